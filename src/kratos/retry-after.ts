import type { IncomingHttpHeaders } from 'node:http';

/**
 * How long the server asked us to wait, in ms, or undefined if it did not say.
 * - `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3); optional on Ory Network
 *   (docs/kratos-behaviour.md, "Ory Network").
 * - `x-ratelimit-reset`: seconds until the rate-limit window resets (Ory Network). Ory asks clients to prefer it.
 * When both are present the longer wait wins: retrying before either window has reset earns another 429.
 */
export function parseRetryAfterMs(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const fromReset = parseSeconds(headerValue(headers['x-ratelimit-reset']));
  const retryAfter = headerValue(headers['retry-after']);
  let fromRetryAfter = parseSeconds(retryAfter);
  if (fromRetryAfter === undefined && retryAfter !== undefined) {
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) fromRetryAfter = Math.max(0, at - nowMs);
  }
  if (fromReset === undefined) return fromRetryAfter;
  if (fromRetryAfter === undefined) return fromReset;
  return Math.max(fromReset, fromRetryAfter);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

function parseSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Math.round(Number(value) * 1000);
}
