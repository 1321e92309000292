import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { numberHeader } from './retry-after.ts';

/**
 * Paces requests by the rate-limit headers Ory Network sends (`x-ratelimit-remaining`, `x-ratelimit-reset`,
 * docs/kratos-behaviour.md, "Ory Network") so the client waits for the window to reset instead of earning
 * 429s: Ory asks clients not to exceed their buckets, and ones that keep doing so "may have their API access
 * temporarily blocked".
 *
 * Reads and writes are paced apart (they fall in different buckets). The budget is taken from the last
 * answer that carried the headers, less the requests sent since then and not yet answered — conservative,
 * as some of those may already be counted in that answer. Without headers (OSS Kratos) nothing waits.
 */
export interface RateLimitPacer {
  /** Waits, if the bucket of `kind` looks spent, until its window resets; then counts the request as sent. */
  beforeSend(kind: PaceKind): Promise<void>;
  /** Counts the request as answered and takes the budget from the answer's headers, if it has them. */
  afterAnswer(kind: PaceKind, headers: IncomingHttpHeaders | undefined): void;
  /** A 429 said the bucket is spent for `resetInMs` (its headers are gone with the error). */
  spent(kind: PaceKind, resetInMs: number): void;
}

export type PaceKind = 'read' | 'write';

interface Bucket {
  remaining: number;
  resetAt: number;
  inFlight: number;
}

export function createRateLimitPacer(options: { now: () => number; random?: () => number }): RateLimitPacer {
  const { now } = options;
  const random = options.random ?? Math.random;
  const buckets: Record<PaceKind, Bucket> = {
    read: { remaining: Infinity, resetAt: 0, inFlight: 0 },
    write: { remaining: Infinity, resetAt: 0, inFlight: 0 },
  };
  return {
    async beforeSend(kind) {
      const bucket = buckets[kind];
      for (;;) {
        const at = now();
        // Past the reset the budget is unknown until the next answer says it: go.
        if (at >= bucket.resetAt) bucket.remaining = Infinity;
        if (bucket.remaining - bucket.inFlight > 0) break;
        // A little jitter after the reset so the waiting requests do not all land in the same millisecond.
        await sleep(bucket.resetAt - at + 20 + Math.floor(random() * 80));
      }
      bucket.inFlight++;
    },
    afterAnswer(kind, headers) {
      const bucket = buckets[kind];
      bucket.inFlight = Math.max(0, bucket.inFlight - 1);
      const remaining = numberHeader(headers?.['x-ratelimit-remaining']);
      const reset = numberHeader(headers?.['x-ratelimit-reset']);
      if (remaining === undefined || reset === undefined) return;
      bucket.remaining = remaining;
      bucket.resetAt = now() + reset * 1000;
    },
    spent(kind, resetInMs) {
      const bucket = buckets[kind];
      bucket.remaining = 0;
      bucket.resetAt = Math.max(bucket.resetAt, now() + resetInMs);
    },
  };
}
