import type { KratosError } from './errors.ts';
import type { HttpMethod } from './http.ts';

/** How many times an idempotent read answered 500 is asked again before the 500 is reported. */
export const READ_500_RETRIES = 3;

/**
 * Whether a failure that is permanent by its class (a 500) earns another try anyway: only a 500 on a GET,
 * and only `READ_500_RETRIES` times. Kratos answers 500 for failures the same request mostly hits again, so
 * a 500 stays permanent — but a read changes nothing, and one passing 500 (a database connection
 * dropped mid-query, see the `herodot.ErrInternalServerError` answers in Kratos's `persistence/sql`)
 * would otherwise fail a whole list of hundreds of pages. A write answered 500 may have been applied
 * (the transaction can fail after the insert), so writes are never repeated on a 500.
 */
export function retriesPermanentFailure(
  method: HttpMethod,
  error: KratosError,
  retriedSoFar: number,
): boolean {
  return method === 'GET' && error.status === 500 && retriedSoFar < READ_500_RETRIES;
}
