import { createHmac } from 'node:crypto';
import type { HmacKey } from './hmac-key.ts';
import type { SignatureCheck } from './signature-check.ts';
import { fresh, header, sameDigest, timestampMs, type SignedRequest } from './signed-request.ts';

const BAMBOOHR_SIGNATURE_HEADER = 'x-bamboohr-signature';
const BAMBOOHR_TIMESTAMP_HEADER = 'x-bamboohr-timestamp';

/**
 * BambooHR's webhook signature (https://documentation.bamboohr.com/docs/webhooks, "Security"): the hex
 * HMAC-SHA256, keyed with the webhook's private key, of the raw body followed by the `X-BambooHR-Timestamp`
 * header, sent in `X-BambooHR-Signature`. The timestamp must be within the tolerance of now.
 */
export function checkBambooHrSignature(
  request: SignedRequest,
  secret: HmacKey,
  toleranceSeconds: number,
): SignatureCheck {
  const signature = header(request, BAMBOOHR_SIGNATURE_HEADER);
  const timestamp = header(request, BAMBOOHR_TIMESTAMP_HEADER);
  if (!signature) return { ok: false, reason: 'missing X-BambooHR-Signature header' };
  if (!timestamp) return { ok: false, reason: 'missing X-BambooHR-Timestamp header' };
  const at = timestampMs(timestamp);
  if (at === undefined) return { ok: false, reason: 'X-BambooHR-Timestamp is not a time' };
  if (!fresh(at, request.nowMs, toleranceSeconds)) {
    return { ok: false, reason: `timestamp is outside the ${toleranceSeconds} s tolerance` };
  }
  if (!/^[0-9a-fA-F]{64}$/.test(signature))
    return { ok: false, reason: 'signature is not a hex SHA-256 HMAC' };
  const expected = signBambooHr(secret, timestamp, request.rawBody);
  if (!sameDigest(Buffer.from(signature, 'hex'), Buffer.from(expected, 'hex'))) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, digest: expected };
}

/** Sign as BambooHR does (tests, fakes). */
export function signBambooHr(secret: HmacKey, timestamp: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(rawBody).update(timestamp).digest('hex');
}
