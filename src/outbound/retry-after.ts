/**
 * How long a `Retry-After` header asks us to wait, in ms (RFC 9110 §10.2.3): delay-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, compared with the given clock). Undefined when absent or
 * unreadable, so the caller's own backoff applies. A date in the past means "now" (0). The one parser of this
 * header for every outbound client (Kratos and the HTTP sources).
 */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  // Date.parse also accepts things like "5" or "1.5"; an HTTP-date always names a weekday or a month.
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, at - nowMs);
}
