import type { IncomingHttpHeaders } from 'node:http';
import { retryAfterMs } from '../outbound/retry-after.ts';

/**
 * How long Kratos (or Ory Network in front of it) asked us to wait, in ms, or undefined if it did not say.
 * - `Retry-After`: the shared parser (`outbound/retry-after.ts`); optional on Ory Network
 *   (docs/kratos-behaviour.md, "Ory Network").
 * - `x-ratelimit-reset`: seconds (fractions allowed) until the rate-limit window resets (Ory Network). Ory
 *   asks clients to prefer it.
 * When both are present the longer wait wins: retrying before either window has reset earns another 429.
 */
export function parseRetryAfterMs(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const reset = numberHeader(headers['x-ratelimit-reset']);
  const fromReset = reset === undefined ? undefined : Math.round(reset * 1000);
  const fromRetryAfter = retryAfterMs(headers['retry-after'], nowMs);
  if (fromReset === undefined) return fromRetryAfter;
  if (fromRetryAfter === undefined) return fromReset;
  return Math.max(fromReset, fromRetryAfter);
}

/** A number-valued header of Ory Network's rate limiting (`x-ratelimit-remaining`, `x-ratelimit-reset`). */
export function numberHeader(value: string | string[] | undefined): number | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(first)) return undefined;
  return Number(first);
}
