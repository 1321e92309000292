import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';

/**
 * What one failed attempt means, decided by the adapter from its own status table: end now (with `error`,
 * or the failure itself), or try again — after `serverWaitMs` when the server named a wait (Retry-After,
 * a rate-limit reset), else after the exponential backoff.
 */
export type RetryVerdict = { retry: false; error?: unknown } | { retry: true; serverWaitMs?: number };

export interface RetryEvent {
  error: Error;
  /** The attempt that failed, from 1. */
  attemptNumber: number;
  /** How long the loop waits before the next attempt. */
  delayMs: number;
  /** Whether the wait is the server's (Retry-After) rather than the backoff. */
  serverWait: boolean;
}

export interface RetryLoopOptions {
  /** Attempts after the first. */
  retries: number;
  /** First backoff delay; it doubles per retry, times a random 1–2 (jitter), up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
  /**
   * How a wait the server named combines with the backoff:
   * - `instead`: the server's wait replaces the backoff (Kratos: its rate-limit window is the wait, and the
   *   adapter adds its own jitter and ceiling);
   * - `at-least`: the longer of the two.
   * Either way each retry, waited for by the server or not, counts against `retries`.
   */
  serverWait: 'instead' | 'at-least';
  /** Ends every wait (and the loop, with the signal's reason). */
  signal?: AbortSignal;
  verdict: (error: Error, attemptNumber: number) => RetryVerdict | Promise<RetryVerdict>;
  /** The error thrown when `retries` are used up (default: the last failure itself). */
  exhausted?: (error: Error) => unknown;
  /** Told before each wait: for the adapter's log line. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * The one retry loop of the outbound HTTP clients (Kratos, HTTP and SCIM sources): exponential backoff with
 * jitter from p-retry, server-named waits honoured, and the decision of what is worth another attempt left to
 * each adapter's `verdict`.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryLoopOptions,
): Promise<T> {
  const { retries, signal } = options;
  const verdicts = new Map<number, RetryVerdict>();
  let serverWaits = 0;
  const replacesBackoff = (verdict: RetryVerdict) =>
    options.serverWait === 'instead' && verdict.retry && verdict.serverWaitMs !== undefined;

  return pRetry(attempt, {
    retries,
    factor: 2,
    minTimeout: options.minDelayMs,
    maxTimeout: options.maxDelayMs,
    randomize: true,
    ...(signal ? { signal } : {}),
    // p-retry asks this first: a wait the server named replaces its backoff, so p-retry adds no delay.
    shouldConsumeRetry: async ({ error, attemptNumber }) => {
      const verdict = await options.verdict(error, attemptNumber);
      verdicts.set(attemptNumber, verdict);
      return !replacesBackoff(verdict);
    },
    // Throwing here ends the loop with that error (p-retry contract).
    onFailedAttempt: async ({ error, attemptNumber, retriesConsumed, retryDelay }) => {
      const verdict = verdicts.get(attemptNumber)!;
      verdicts.delete(attemptNumber);
      if (!verdict.retry) throw verdict.error ?? error;
      if (retriesConsumed + serverWaits >= retries) throw options.exhausted?.(error) ?? error;
      const asked = verdict.serverWaitMs;
      if (asked === undefined) {
        options.onRetry?.({ error, attemptNumber, delayMs: retryDelay, serverWait: false });
        return;
      }
      if (replacesBackoff(verdict)) {
        serverWaits++;
        options.onRetry?.({ error, attemptNumber, delayMs: asked, serverWait: true });
        await pause(asked, signal);
        return;
      }
      options.onRetry?.({ error, attemptNumber, delayMs: Math.max(retryDelay, asked), serverWait: true });
      // p-retry waits `retryDelay` after we return; a longer server wait is made up here, first.
      if (asked > retryDelay) await pause(asked - retryDelay, signal);
    },
  });
}

/** Waits `ms`; an abort ends the wait with the signal's reason, as p-retry's own waits do. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    throw signal?.aborted ? signal.reason : err;
  }
}
