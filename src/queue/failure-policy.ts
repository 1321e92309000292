import { scrubSecrets } from '../config/secret.ts';
import { SyncError } from '../errors/catalogue.ts';
import { describeError } from '../errors/describe-error.ts';
import { KratosError } from '../kratos/errors.ts';
import { SourceError } from '../sources/types.ts';

/**
 * What a job failure means for the queue, decided in one place (a Kratos outage never uses up attempts):
 * - `retry`: transient; the job's attempts and backoff apply (`retryAfterMs` is a floor for the delay).
 * - `fail`: permanent; the job fails at once (BullMQ `UnrecoverableError`) and keeps the reason.
 *   `bug` marks programming errors, which are logged at error level.
 * - `rate-limited`: Kratos said 429; the job goes back to the queue through BullMQ's rate-limit path,
 *   which does not count as an attempt, and the queue waits `waitMs`.
 * - `kratos-down`: no answer or 502/503/504; the queue pauses until a readiness probe succeeds.
 */
export type FailureDecision =
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'fail'; reason: string; bug: boolean }
  | { kind: 'rate-limited'; reason: string; waitMs: number }
  | { kind: 'kratos-down'; reason: string };

/** When Kratos says 429 without saying how long to wait. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

const BUG_ERRORS = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError']);

export function decideFailure(thrown: unknown): FailureDecision {
  const reason = failureReason(thrown);
  if (thrown instanceof KratosError) return decideKratos(thrown, reason);
  if (thrown instanceof SyncError) {
    if (thrown.code === 'SYNC_ERR_KRATOS_UNAVAILABLE') return { kind: 'kratos-down', reason };
    if (thrown.code === 'SYNC_ERR_KRATOS_RATE_LIMITED') {
      return { kind: 'rate-limited', reason, waitMs: DEFAULT_RATE_LIMIT_WAIT_MS };
    }
    return thrown.retry === 'transient' ? { kind: 'retry', reason } : { kind: 'fail', reason, bug: false };
  }
  if (thrown instanceof SourceError) {
    return thrown.transient ? { kind: 'retry', reason } : { kind: 'fail', reason, bug: false };
  }
  if (thrown instanceof Error && BUG_ERRORS.has(thrown.name)) return { kind: 'fail', reason, bug: true };
  // Anything else (a Redis hiccup, a socket error from a library) is retried within the attempt budget:
  // failing a sync for good because of a dropped connection would lose work.
  return { kind: 'retry', reason };
}

function decideKratos(error: KratosError, reason: string): FailureDecision {
  if (error.code === 'SYNC_ERR_KRATOS_RATE_LIMITED') {
    return { kind: 'rate-limited', reason, waitMs: error.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS };
  }
  if (error.code === 'SYNC_ERR_KRATOS_UNAVAILABLE') return { kind: 'kratos-down', reason };
  if (error.retryClass === 'transient') {
    return { kind: 'retry', reason, ...(error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}) };
  }
  return { kind: 'fail', reason, bug: false };
}

/**
 * A job's failed reason: `SYNC_ERR_X: message` for errors that carry a catalogue code, `Name: message`
 * otherwise (`describeError`); known secret values scrubbed.
 */
function failureReason(thrown: unknown): string {
  const { code, message } = describeError(thrown);
  return scrubSecrets(`${code}: ${message}`);
}
