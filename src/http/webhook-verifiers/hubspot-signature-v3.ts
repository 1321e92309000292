import { createHmac } from 'node:crypto';
import type { HmacKey } from './hmac-key.ts';
import type { SignatureCheck } from './signature-check.ts';
import { fresh, header, sameDigest, type SignedRequest } from './signed-request.ts';

/**
 * HubSpot's v3 request signature (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests):
 * `X-HubSpot-Signature-v3` is the base64 HMAC-SHA256, keyed with the app's client secret, of
 * method + URI + raw body + `X-HubSpot-Request-Timestamp` (unix ms). The URI is the one HubSpot called —
 * behind a proxy this server cannot know it, so it is configured (`webhook.publicUrl`). Requests older than
 * the tolerance (HubSpot says 5 minutes) are refused.
 */
export function checkHubSpotSignatureV3(
  request: SignedRequest,
  secret: HmacKey,
  publicUrl: string,
  toleranceSeconds: number,
): SignatureCheck {
  const signature = header(request, 'x-hubspot-signature-v3');
  const timestamp = header(request, 'x-hubspot-request-timestamp');
  if (!signature) return { ok: false, reason: 'missing X-HubSpot-Signature-v3 header' };
  if (!timestamp) return { ok: false, reason: 'missing X-HubSpot-Request-Timestamp header' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'timestamp is not unix milliseconds' };
  if (!fresh(Number(timestamp), request.nowMs, toleranceSeconds)) {
    return { ok: false, reason: `timestamp is outside the ${toleranceSeconds} s tolerance` };
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(signature)) {
    return { ok: false, reason: 'signature is not a base64 SHA-256 HMAC' };
  }
  const expected = signHubSpotV3(secret, request.method, publicUrl, request.rawBody, timestamp);
  if (!sameDigest(Buffer.from(signature, 'base64'), Buffer.from(expected, 'base64'))) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, digest: Buffer.from(expected, 'base64').toString('hex') };
}

/** Sign as HubSpot does (tests, fakes). */
export function signHubSpotV3(
  secret: HmacKey,
  method: string,
  uri: string,
  rawBody: string | Buffer,
  timestamp: string,
): string {
  return createHmac('sha256', secret)
    .update(`${method.toUpperCase()}${decodeHubSpotUri(uri)}`)
    .update(rawBody)
    .update(timestamp)
    .digest('base64');
}

/** HubSpot signs the URI with these escapes decoded (its docs list them); nothing else is decoded. */
function decodeHubSpotUri(uri: string): string {
  const decoded: Record<string, string> = {
    '%3A': ':',
    '%2F': '/',
    '%3F': '?',
    '%40': '@',
    '%21': '!',
    '%24': '$',
    '%27': "'",
    '%28': '(',
    '%29': ')',
    '%2A': '*',
    '%2C': ',',
    '%3B': ';',
  };
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decoded[m.toUpperCase()]!);
}
