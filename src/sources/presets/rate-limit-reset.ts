/**
 * How long a 429 asks us to wait by its `X-RateLimit-Reset` header, as Personio
 * (https://developer.personio.de/docs/rate-limiting) and HiBob (https://apidocs.hibob.com/reference/rate-limiting)
 * send it: seconds to wait, or the unix time (seconds) the allowance comes back.
 */
export function rateLimitResetWaitMs(
  headers: Record<string, string | string[] | undefined>,
  now: Date,
): number | undefined {
  const value = headers['x-ratelimit-reset'];
  const text = Array.isArray(value) ? value[0] : value;
  if (!text || !/^\d+$/.test(text)) return undefined;
  const seconds = Number(text);
  // A unix time is far beyond any sensible wait in seconds (1e9 s is 2001-09-09).
  return seconds > 1e9 ? Math.max(0, seconds * 1000 - now.getTime()) : seconds * 1000;
}
