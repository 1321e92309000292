import type { WebhookConfig } from '../../config/sections/source.ts';
import { checkBambooHrSignature } from './bamboohr-signature.ts';
import { checkGenericInboundSignature } from './generic-inbound-signature.ts';
import { checkHiBobSignature } from './hibob-signature.ts';
import { checkHubSpotSignatureV3 } from './hubspot-signature-v3.ts';
import { hmacKeyOf } from './hmac-key.ts';
import type { SignatureCheck } from './signature-check.ts';
import { header, type SignedRequest } from './signed-request.ts';

/**
 * Checks a webhook request in the format its source is configured for (`webhook.format`), keyed with the
 * source's own secret, prepared once (hmac-key.ts).
 */
export function verifyWebhook(webhook: WebhookConfig, request: SignedRequest): SignatureCheck {
  const secret = hmacKeyOf(webhook.secret);
  switch (webhook.format) {
    case 'generic':
      return checkGenericInboundSignature({
        secret,
        rawBody: request.rawBody,
        signature: header(request, webhook.signatureHeader),
        timestamp: header(request, webhook.timestampHeader),
        toleranceSeconds: webhook.toleranceSeconds,
        nowMs: request.nowMs,
      });
    case 'bamboohr':
      return checkBambooHrSignature(request, secret, webhook.toleranceSeconds);
    case 'hubspot-v3':
      // The config check makes publicUrl required for this format.
      return checkHubSpotSignatureV3(request, secret, webhook.publicUrl ?? '', webhook.toleranceSeconds);
    case 'hibob':
      return checkHiBobSignature(request, secret);
  }
}
