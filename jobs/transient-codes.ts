import { ERROR_CATALOGUE, SyncError, type SyncErrorCode } from '../src/errors/catalogue.ts';
import type { ReportError } from '../src/domain/run-report.ts';

/**
 * The engine reports a Kratos failure per person (a code and a value-free message) instead of throwing, so
 * that one person never stops the others. For the queue, a person who failed for a transient reason
 * (Kratos down, rate limited) is unfinished work, not a result: these helpers find such failures and turn
 * them back into an error the queue retries — or pauses on, when Kratos is down.
 */
export function isTransientCode(code: string | undefined): code is SyncErrorCode {
  return code !== undefined && Object.hasOwn(ERROR_CATALOGUE, code)
    ? ERROR_CATALOGUE[code as SyncErrorCode].retry === 'transient'
    : false;
}

export function errorFromReport(error: ReportError): SyncError {
  const code: SyncErrorCode = Object.hasOwn(ERROR_CATALOGUE, error.code)
    ? (error.code as SyncErrorCode)
    : 'SYNC_ERR_KRATOS_REJECTED';
  return new SyncError(code, error.message);
}
