import { hasCode } from '../errors/describe-error.ts';

/** Kratos answered 404: the identity (or session) is not there — done, for a delete or a revoke. */
export function isNotFound(err: unknown): boolean {
  return hasCode(err, 'SYNC_ERR_KRATOS_NOT_FOUND');
}
