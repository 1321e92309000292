import { coerceError } from '../errors/catalogue.ts';

/**
 * Reads what lifecycle code needs from an error the Kratos client threw, without depending on the client's
 * class: its stable code (`SYNC_ERR_*`) and HTTP status when it has them.
 */
/** Our stable `SYNC_ERR_*` code, or the error's class name (`TypeError`, `ReplyError`) for anything else. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SYNC_ERR_') ? code : coerceError(err).name;
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; status?: unknown } | null;
  return e?.code === 'SYNC_ERR_KRATOS_NOT_FOUND' || e?.status === 404;
}

/** Code and message for a receipt: the message is the error's own text (the client keeps secrets out of it). */
export function describeError(err: unknown): { code: string; message: string } {
  return { code: errorCode(err), message: coerceError(err).message };
}
