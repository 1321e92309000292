import type { KratosConfig } from '../config/sections/kratos.ts';
import type { Logger } from '../log/logger.ts';
import { withRetries, type RetryVerdict } from '../outbound/retry-loop.ts';
import type { AvailabilityMonitor } from './availability.ts';
import { isDefinitelyNotApplied, KratosError } from './errors.ts';
import type { KratosHttp, KratosRequest, KratosResponse } from './http.ts';
import type { RateLimitPacer } from './rate-limit-pacer.ts';
import { retriesPermanentFailure } from './retry-policy.ts';
import type { WriteLimitKind, WriteLimiter } from './write-limiter.ts';

/** A request as operations describe it: what to send, which limit it falls under, whether to retry blind. */
export interface RequestPlan extends KratosRequest {
  limit: WriteLimitKind;
  /**
   * False for requests that must not be repeated after a failure that may have been applied (a timeout, a
   * dropped connection, a 502/504): creates without a unique `external_id` could make a duplicate identity.
   * Such a failure is thrown with `maybeApplied: true` and the caller resolves it by lookup.
   */
  repeatable: boolean;
}

export type Requester = (plan: RequestPlan) => Promise<KratosResponse>;

/**
 * Ory asks for backoff capped at 30 s (docs/kratos-behaviour.md, "Ory Network"), whatever the config says.
 */
const MAX_DELAY_CAP_MS = 30_000;

/**
 * Sends a request through the write limiter with retries by class (the shared loop, `outbound/retry-loop.ts`):
 * - transient failures (no answer, 408, 429, 502/503/504) are retried with exponential backoff and jitter;
 * - a 500 on a read (GET) is retried the same way a few times (`retry-policy.ts`); on a write it is final;
 * - when the server says how long to wait (x-ratelimit-reset, Retry-After), that wait replaces the backoff
 *   (plus a little jitter so the waiters do not all return in the same millisecond) and still counts
 *   against `retries`;
 * - every other failure is thrown at once;
 * - the limiter permit is held per attempt, not across the wait, so one request backing off blocks no one.
 */
export function createRequester(options: {
  http: KratosHttp;
  limiter: WriteLimiter;
  retry: KratosConfig['retry'];
  availability: AvailabilityMonitor;
  logger: Logger;
  /** Waits out spent rate-limit buckets before sending (Ory Network's x-ratelimit-* headers). */
  pacer?: RateLimitPacer;
}): Requester {
  const { http, limiter, availability, logger } = options;
  const maxDelay = Math.min(options.retry.maxDelayMs, MAX_DELAY_CAP_MS);
  const { retries } = options.retry;

  return async function request(plan) {
    let attempts = 0;
    let permanentRetries = 0;
    let maybeApplied = false;

    const paceKind = plan.method === 'GET' ? 'read' : 'write';
    const attempt = async (): Promise<KratosResponse> => {
      attempts++;
      const release = await limiter.enter(plan.limit);
      let answerHeaders: KratosResponse['headers'] | undefined;
      await options.pacer?.beforeSend(paceKind);
      try {
        const response = await http.send(plan);
        answerHeaders = response.headers;
        availability.answered();
        return response;
      } catch (err) {
        if (err instanceof KratosError) {
          if (err.code === 'SYNC_ERR_KRATOS_UNAVAILABLE') availability.failed(err);
          else availability.answered();
          if (err.retry === 'transient' && !isDefinitelyNotApplied(err)) maybeApplied = true;
          if (err.status === 429 && err.retryAfterMs !== undefined)
            options.pacer?.spent(paceKind, err.retryAfterMs);
        }
        throw err;
      } finally {
        options.pacer?.afterAnswer(paceKind, answerHeaders);
        release();
      }
    };

    const final = (err: KratosError): KratosError =>
      attempts === 1 && !maybeApplied
        ? err
        : err.withAttempts(attempts, maybeApplied && plan.method !== 'GET');

    // Kratos's own status table decides what is worth another attempt; the loop is the shared one.
    const verdict = (error: Error): RetryVerdict => {
      if (!(error instanceof KratosError)) return { retry: false };
      if (error.retry !== 'transient') {
        if (!retriesPermanentFailure(plan.method, error, permanentRetries))
          return { retry: false, error: final(error) };
        permanentRetries++;
      }
      if (!plan.repeatable && !isDefinitelyNotApplied(error)) return { retry: false, error: final(error) };
      if (error.retryAfterMs === undefined) return { retry: true };
      // The server's window is not ours to shorten (a retry before it resets earns another 429), so only
      // Ory's 30 s ceiling applies here, not the configured backoff maximum; a little jitter so the waiters do
      // not all return in the same millisecond.
      const wait = Math.min(Math.max(error.retryAfterMs, 50), MAX_DELAY_CAP_MS);
      return {
        retry: true,
        serverWaitMs: Math.round(wait + Math.random() * Math.min(1_000, 50 + wait * 0.1)),
      };
    };

    return withRetries(attempt, {
      retries,
      minDelayMs: options.retry.minDelayMs,
      maxDelayMs: maxDelay,
      serverWait: 'instead',
      verdict,
      exhausted: (error) => final(error as KratosError),
      onRetry: ({ error, delayMs, serverWait }) => {
        const failure = error as KratosError;
        const log = {
          operation: plan.operation,
          status: failure.status,
          attempt: attempts,
          code: failure.code,
        };
        logger.warn(
          { ...log, delayMs },
          serverWait
            ? 'kratos asked us to wait; retrying after the reset'
            : 'kratos request failed; retrying',
        );
      },
    });
  };
}
