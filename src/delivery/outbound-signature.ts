import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying kratos-sync's signature on every webhook it sends (invites, notices): `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const OUTBOUND_SIGNATURE_HEADER = 'x-kratos-sync-signature';

/** HMAC-SHA256 over `<t>.<raw body>` (the timestamp is signed too, so a captured request cannot be replayed later). */
export function signOutboundWebhook(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/**
 * Check a signature header as a receiver should: right key, right body, timestamp within `toleranceSeconds`
 * of `nowSeconds`. Compared in constant time.
 */
export function verifyOutboundWebhook(
  secret: string,
  body: string,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = new Map(
    (header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(given)) {
    return false;
  }
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
