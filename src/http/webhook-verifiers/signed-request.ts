import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a verifier sees of a webhook request: the exact bytes, the headers, and the clock. */
export interface SignedRequest {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  method: string;
  nowMs: number;
}

export function header(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

/** Constant-time comparison of two digests (equal lengths only: a length mismatch is a mismatch). */
export function sameDigest(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A sender's timestamp in ms: unix seconds, unix milliseconds (13 digits), or an ISO 8601 date.
 * Undefined when it is none of these.
 */
export function timestampMs(text: string): number | undefined {
  if (/^\d{1,11}$/.test(text)) return Number(text) * 1000;
  if (/^\d{12,14}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether `ms` is within `toleranceSeconds` of now, in either direction (a clock far ahead is as suspect). */
export function fresh(ms: number, nowMs: number, toleranceSeconds: number): boolean {
  return Math.abs(nowMs - ms) <= toleranceSeconds * 1000;
}
