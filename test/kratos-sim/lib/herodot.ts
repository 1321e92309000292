import type { Profile } from './profiles.ts';
import type { JsonObject, Reply } from './types.ts';

/**
 * Kratos error envelopes as herodot writes them (ory/herodot `json.go`, `error_default.go`): `message` always, `code`/`status`,
 * and `id`/`reason`/`debug`/`details` only when set. From v25.4 an `Ory-Error-Id` header comes with every
 * error (empty when the error has no id); only v0.10's herodot keeps `debug`.
 */
export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const MSG = {
  badRequest: 'The request was malformed or contained invalid parameters',
  unauthorized: 'The request could not be authorized',
  notFound: 'The requested resource could not be found',
  conflict: 'The resource could not be created due to a conflict',
  internal: 'An internal server error occurred, please contact the system administrator',
  noRows: 'Unable to locate the resource',
  uniqueViolation: 'Unable to insert or update resource because a resource with that value exists already',
} as const;

export interface HerodotError {
  /** HTTP status of the reply. */
  status: number;
  /** `code` in the body; differs from `status` where a handler calls `WriteErrorCode(400, err)` on an error without a status (body code 500). */
  bodyCode?: number;
  message: string;
  reason?: string;
  id?: string;
  debug?: string;
  details?: JsonObject;
}

/** The inner error object (batch entries carry it without the `{"error": …}` wrapper). */
export function errorObject(e: HerodotError, profile: Profile, requestId?: string): JsonObject {
  const code = e.bodyCode ?? e.status;
  const out: JsonObject = {};
  if (e.id) out.id = e.id;
  out.code = code;
  out.status = STATUS_TEXT[code] ?? 'Unknown';
  if (requestId) out.request = requestId;
  if (e.reason) out.reason = e.reason;
  if (e.debug && profile.errors.sendsDebug) out.debug = e.debug;
  if (e.details && Object.keys(e.details).length > 0) out.details = e.details;
  out.message = e.message;
  return out;
}

export function errorReply(e: HerodotError, profile: Profile, requestId?: string): Reply {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (profile.errors.errorIdHeader) headers['ory-error-id'] = e.id ?? '';
  return {
    status: e.status,
    headers,
    body: JSON.stringify({ error: errorObject(e, profile, requestId) }),
  };
}

/** Thrown inside handlers and turned into an error reply by the server. */
export class KratosHttpError extends Error {
  readonly error: HerodotError;
  constructor(error: HerodotError) {
    super(error.reason ?? error.message);
    this.name = 'KratosHttpError';
    this.error = error;
  }
}

export const badRequest = (reason?: string, message: string = MSG.badRequest): KratosHttpError =>
  new KratosHttpError({ status: 400, message, ...(reason ? { reason } : {}) });

export const notFound = (reason?: string): KratosHttpError =>
  new KratosHttpError({ status: 404, message: MSG.noRows, ...(reason ? { reason } : {}) });

/** The raw sqlcon unique-violation error (v0.10/v1.0 create, PUT/PATCH everywhere, batch entries). */
export const uniqueViolation = (): KratosHttpError =>
  new KratosHttpError({ status: 409, message: MSG.uniqueViolation });
