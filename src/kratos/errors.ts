import { SyncError, type RetryClass, type SyncErrorCode } from '../errors/catalogue.ts';
import { hasCode } from '../errors/describe-error.ts';

/**
 * The one error the Kratos client throws. Classification is by HTTP status only, never by the body's
 * `error.code`: Kratos can answer HTTP 400 with a body saying 500 (docs/kratos-behaviour.md, "Paths, errors
 * and status codes").
 *
 * | status                           | code                         | retryClass |
 * |----------------------------------|------------------------------|------------|
 * | none (network error, timeout)    | SYNC_ERR_KRATOS_UNAVAILABLE  | transient  |
 * | 408, 502, 503, 504               | SYNC_ERR_KRATOS_UNAVAILABLE  | transient  |
 * | 429                              | SYNC_ERR_KRATOS_RATE_LIMITED | transient  |
 * | 409                              | SYNC_ERR_KRATOS_CONFLICT     | conflict   |
 * | 404                              | SYNC_ERR_KRATOS_NOT_FOUND    | not-found  |
 * | other 4xx, 500 and other 5xx     | SYNC_ERR_KRATOS_REJECTED     | permanent  |
 *
 * 500 is permanent on purpose: Kratos answers 500 for failures the same request would hit again (an
 * `external_id` over 64 characters, an identity schema that went missing, a hash it cannot read), so
 * retrying inside the client only delays the quarantine. A Kratos that is really down answers 502/503/504
 * through its proxy, or does not answer at all, and both are transient. The job-level attempts still give
 * a one-off 500 another chance later, and a 500 on a read is asked again a few times inside the client
 * first (`retry-policy.ts`), so one passing 500 does not fail a long list.
 */
export class KratosError extends SyncError {
  override name = 'KratosError';
  /** HTTP status; undefined when no answer came (network error, timeout) or the client refused to send. */
  readonly status: number | undefined;
  /** The herodot envelope `{"error":{id, reason, message}}`, when the body had one. */
  readonly envelope: KratosErrorEnvelope;
  /** Client operation that failed (`createIdentity`, `listIdentities`, …). */
  readonly operation: string;
  /** How long the server asked us to wait (Retry-After or x-ratelimit-reset), in ms. */
  readonly retryAfterMs: number | undefined;
  /**
   * True when this request (or an earlier attempt of it) failed without a definite answer — a timeout, a
   * dropped connection, a 502/504 — so the server may have applied it. A 409 on a create with this flag most
   * likely means our own earlier attempt created the identity: resolve it by lookup.
   */
  readonly maybeApplied: boolean;
  /** Attempts made, including the one that produced this error. */
  readonly attempts: number;

  constructor(init: KratosErrorInit) {
    super(codeFor(init.status, init.network === true), init.message, { cause: init.cause });
    this.status = init.status;
    this.envelope = init.envelope ?? {};
    this.operation = init.operation;
    this.retryAfterMs = init.retryAfterMs;
    this.maybeApplied = init.maybeApplied ?? false;
    this.attempts = init.attempts ?? 1;
  }

  get retryClass(): RetryClass {
    return this.retry;
  }

  /** A copy that records the retry history (the error object itself stays immutable). */
  withAttempts(attempts: number, maybeApplied: boolean): KratosError {
    return new KratosError({
      status: this.status,
      network: this.status === undefined && this.code === 'SYNC_ERR_KRATOS_UNAVAILABLE',
      envelope: this.envelope,
      operation: this.operation,
      retryAfterMs: this.retryAfterMs,
      message: this.message,
      cause: this.cause,
      maybeApplied: this.maybeApplied || maybeApplied,
      attempts,
    });
  }
}

export interface KratosErrorEnvelope {
  id?: string;
  reason?: string;
  message?: string;
}

export interface KratosErrorInit {
  status: number | undefined;
  /** No HTTP answer at all (network error or timeout). */
  network?: boolean;
  envelope?: KratosErrorEnvelope;
  operation: string;
  message: string;
  retryAfterMs?: number;
  maybeApplied?: boolean;
  attempts?: number;
  cause?: unknown;
}

/** The catalogue code of a Kratos answer's status (a batch entry's own status, too). */
export function codeForStatus(status: number): SyncErrorCode {
  return codeFor(status, false);
}

function codeFor(status: number | undefined, network: boolean): SyncErrorCode {
  if (status === undefined) return network ? 'SYNC_ERR_KRATOS_UNAVAILABLE' : 'SYNC_ERR_KRATOS_REJECTED';
  if (status === 429) return 'SYNC_ERR_KRATOS_RATE_LIMITED';
  if (status === 408 || status === 502 || status === 503 || status === 504)
    return 'SYNC_ERR_KRATOS_UNAVAILABLE';
  if (status === 409) return 'SYNC_ERR_KRATOS_CONFLICT';
  if (status === 404) return 'SYNC_ERR_KRATOS_NOT_FOUND';
  return 'SYNC_ERR_KRATOS_REJECTED';
}

/**
 * Statuses after which the server has not applied the request: it refused before doing the work.
 * Anything else that fails without an answer (timeout, reset, 502, 504) may have been applied.
 */
export function isDefinitelyNotApplied(error: KratosError): boolean {
  if (error.status !== undefined) return error.status !== 502 && error.status !== 504;
  const code = (error.cause as { code?: string } | undefined)?.code;
  // The connection was never made, so nothing was sent.
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/**
 * Kratos answered 400: the request itself was refused (a credential type this version cannot include, a
 * body that fails the schema). The one status a caller outside the client needs that has no code of its own
 * (`SYNC_ERR_KRATOS_REJECTED` covers every other 4xx and 500 too).
 */
export function isBadRequest(err: unknown): boolean {
  return err instanceof KratosError && err.status === 400;
}

/**
 * For `.catch` on a read of one identity: null when Kratos answered 404 (the identity was deleted since it
 * was listed or recorded), the error itself otherwise.
 */
export function nullOnNotFound(err: unknown): null {
  if (hasCode(err, 'SYNC_ERR_KRATOS_NOT_FOUND')) return null;
  throw err;
}
