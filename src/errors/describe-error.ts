import { coerceError, ERROR_CATALOGUE, type SyncErrorCode } from './catalogue.ts';

/**
 * The catalogue code an error carries in its `code` field: a `SyncError`'s, or one of the boundary errors
 * that keep their own class (`SourceError`, `ConfigError`, `DeliveryError`). Undefined for
 * anything else — a Node socket error's `code` (`ECONNRESET`) is not one of ours.
 */
export function catalogueCode(thrown: unknown): SyncErrorCode | undefined {
  const code = (thrown as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code)
    ? (code as SyncErrorCode)
    : undefined;
}

export interface ErrorDescription {
  /** The `SYNC_ERR_*` code, or the error's class name (`TypeError`, `ReplyError`) for anything else. */
  code: string;
  /** The error's own message. */
  message: string;
}

/**
 * Code and message of anything thrown: the one way errors are described for job failures, logs, receipts
 * and reports. The code is read from the error's field, never from its text.
 */
export function describeError(thrown: unknown): ErrorDescription {
  const error = coerceError(thrown);
  return { code: catalogueCode(thrown) ?? error.name, message: error.message };
}

/** Whether the error carries this catalogue code (a Kratos 404 is `SYNC_ERR_KRATOS_NOT_FOUND`, a 409 `…_CONFLICT`). */
export function hasCode(thrown: unknown, code: SyncErrorCode): boolean {
  return catalogueCode(thrown) === code;
}
