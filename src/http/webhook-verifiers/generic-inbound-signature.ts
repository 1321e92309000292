import { createHmac } from 'node:crypto';
import type { HmacKey } from './hmac-key.ts';
import type { SignatureCheck } from './signature-check.ts';
import { sameDigest } from './signed-request.ts';

/**
 * The `generic` format of webhooks we receive (`webhook.format: generic`; what we send is signed by
 * delivery/outbound-signature.ts, another format): checks an inbound webhook's HMAC-SHA256 signature over
 * `${timestamp}.${rawBody}` (the raw bytes, before any JSON parsing) and the freshness of its timestamp (unix
 * seconds, within `toleranceSeconds` of now in either direction: a clock far ahead is as suspect as a stale
 * one).
 *
 * The signature is hex, optionally prefixed `sha256=`. It is compared in constant time
 * (`sameDigest`, on equal lengths only), and reasons never echo the signature or the secret.
 */
export function checkGenericInboundSignature(input: {
  secret: HmacKey;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  toleranceSeconds: number;
  nowMs: number;
}): SignatureCheck {
  if (!input.signature) return { ok: false, reason: 'missing signature header' };
  if (!input.timestamp) return { ok: false, reason: 'missing timestamp header' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'timestamp is not unix seconds' };
  const skew = Math.abs(input.nowMs / 1000 - Number(input.timestamp));
  if (skew > input.toleranceSeconds) {
    return { ok: false, reason: `timestamp is outside the ${input.toleranceSeconds} s tolerance` };
  }
  const provided = input.signature.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(provided))
    return { ok: false, reason: 'signature is not a hex SHA-256 HMAC' };
  const expected = createHmac('sha256', input.secret)
    .update(`${input.timestamp}.`)
    .update(input.rawBody)
    .digest();
  if (!sameDigest(Buffer.from(provided, 'hex'), expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, digest: expected.toString('hex') };
}

/** Sign a body as a `generic`-format sender (an HR system calling us) would: tests and the docs' example. */
export function signGenericInboundWebhook(
  secret: HmacKey,
  timestamp: number,
  rawBody: string | Buffer,
): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}
