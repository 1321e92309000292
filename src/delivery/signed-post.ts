import { DeliveryError, NEVER_CONNECTED } from './channel.ts';
import { OUTBOUND_SIGNATURE_HEADER, signOutboundWebhook } from './outbound-signature.ts';

export interface SignedPost {
  url: string;
  /** HMAC-SHA256 key of the signature header (revealed here only). */
  secret: string;
  /** The JSON body, exactly as it is signed and sent. */
  body: string;
  /** Extra headers (e.g. `x-kratos-sync-delivery-id`). */
  headers?: Record<string, string>;
  timeoutMs: number;
  now: () => Date;
  /** Names the channel in a `DeliveryError`. */
  channel: string;
}

/**
 * POST a JSON body signed as every kratos-sync outbound webhook is (`x-kratos-sync-signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`). Any 2xx means accepted; anything else throws a
 * `DeliveryError` naming the status or the socket error code only (never the URL, which may hold a token,
 * nor the answer's body).
 */
export async function postSigned(post: SignedPost): Promise<void> {
  const signature = signOutboundWebhook(post.secret, Math.floor(post.now().getTime() / 1000), post.body);
  let status: number;
  try {
    const response = await fetch(post.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [OUTBOUND_SIGNATURE_HEADER]: signature,
        ...post.headers,
      },
      body: post.body,
      signal: AbortSignal.timeout(post.timeoutMs),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (err) {
    const code = ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name) || 'unknown';
    throw new DeliveryError(post.channel, code, NEVER_CONNECTED.has(code));
  }
  // A receiver that answered with an error status did not accept the message (its contract: 2xx = taken).
  if (status < 200 || status >= 300) throw new DeliveryError(post.channel, `HTTP ${status}`, true);
}
