import { createHmac } from 'node:crypto';
import type { HmacKey } from './hmac-key.ts';
import type { SignatureCheck } from './signature-check.ts';
import { header, sameDigest, type SignedRequest } from './signed-request.ts';

/**
 * HiBob's webhook signature (https://apidocs.hibob.com/docs/working-with-webhooks, "Authenticate your
 * events"): `Bob-Signature` is the base64 HMAC-SHA512 of the raw body, keyed with the webhook's secret.
 * HiBob sends no timestamp, so a copy of a signed event is refused only while the replay guard remembers it
 * (`toleranceSeconds`); past that it would enqueue one more sync of a person, which reads the record afresh
 * and so changes nothing the source does not say.
 */
export function checkHiBobSignature(request: SignedRequest, secret: HmacKey): SignatureCheck {
  const signature = header(request, 'bob-signature');
  if (!signature) return { ok: false, reason: 'missing Bob-Signature header' };
  if (!/^[A-Za-z0-9+/]{86}==$/.test(signature)) {
    return { ok: false, reason: 'signature is not a base64 SHA-512 HMAC' };
  }
  const expected = signHiBob(secret, request.rawBody);
  if (!sameDigest(Buffer.from(signature, 'base64'), Buffer.from(expected, 'base64'))) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, digest: Buffer.from(expected, 'base64').toString('hex') };
}

/** Sign as HiBob does (tests, fakes). */
export function signHiBob(secret: HmacKey, rawBody: string | Buffer): string {
  return createHmac('sha512', secret).update(rawBody).digest('base64');
}
