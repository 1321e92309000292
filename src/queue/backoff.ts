import type { BackoffStrategy } from 'bullmq';

/** Retry delays of one job type: exponential from `baseMs`, capped at `maxMs`, with jitter. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** The name our jobs put in `opts.backoff.type`; BullMQ calls the worker's custom strategy for it. */
export const BACKOFF_TYPE = 'kratos-sync';

/** A server-sent wait (Retry-After) is honoured, but never beyond this. */
const MAX_SERVER_WAIT_MS = 60 * 60_000;

/**
 * "Equal jitter": half the exponential delay is fixed, the other half random, so retries of many jobs that
 * failed together (Kratos restarted) spread out instead of arriving as one wave, while every retry still
 * waits at least half the nominal delay. A `retryAfterMs` the error carries (Retry-After,
 * x-ratelimit-reset) is a floor: we never come back before the server asked.
 */
export function retryDelayMs(
  policy: BackoffPolicy,
  attemptsMade: number,
  options: { retryAfterMs?: number; random?: () => number } = {},
): number {
  const random = options.random ?? Math.random;
  const exponent = Math.max(0, attemptsMade - 1);
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 30));
  const jittered = Math.round(nominal / 2 + random() * (nominal / 2));
  const serverWait = Math.min(MAX_SERVER_WAIT_MS, options.retryAfterMs ?? 0);
  return Math.max(jittered, serverWait);
}

/** The worker's custom backoff strategy: looks up the failed job's policy by its name. */
export function createBackoffStrategy(
  policyOf: (jobName: string) => BackoffPolicy | undefined,
  random: () => number = Math.random,
): BackoffStrategy {
  return (attemptsMade, _type, err, job) => {
    const policy = (job && policyOf(job.name)) ?? { baseMs: 1_000, maxMs: 60_000 };
    const retryAfterMs = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    return retryDelayMs(policy, attemptsMade, {
      random,
      ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
    });
  };
}
