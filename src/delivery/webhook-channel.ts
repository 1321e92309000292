import type { Secret } from '../config/secret.ts';
import { DeliveryError, type DeliveryChannel, type InviteMessage } from './channel.ts';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.ts';

export interface WebhookChannelOptions {
  url: string;
  secret: Secret;
  timeoutMs: number;
  /** Unix time source for the signature (tests pin it). */
  now: () => Date;
}

const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Invites as a signed JSON POST to the company's own mailer or chat bot, which renders and sends the
 * message itself. Any 2xx means accepted. `x-kratos-sync-delivery-id` (the Message-ID) lets the receiver
 * drop a duplicate.
 *
 * Body: `{ type: "kratos-sync.invite" | "kratos-sync.manager-notice", deliveryId, to, subject, text, html,
 *          source, key, identityId, name, attempt, link?, code?, expiresAt? }`
 */
export function createWebhookChannel(options: WebhookChannelOptions): DeliveryChannel {
  return {
    name: 'webhook',
    async send(message: InviteMessage) {
      const body = JSON.stringify(webhookBody(message));
      const signature = signWebhook(
        options.secret.reveal(),
        body,
        Math.floor(options.now().getTime() / 1000),
      );
      let status: number;
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signature,
            'x-kratos-sync-delivery-id': message.messageId,
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        status = response.status;
        await response.body?.cancel();
      } catch (err) {
        const code = ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name) || 'unknown';
        throw new DeliveryError('webhook', code, NEVER_CONNECTED.has(code));
      }
      // A receiver that answered with an error status did not accept the message (its contract: 2xx = taken).
      if (status < 200 || status >= 300) throw new DeliveryError('webhook', `HTTP ${status}`, true);
      return { messageId: message.messageId };
    },
    async close() {},
  };
}

function webhookBody(message: InviteMessage): Record<string, unknown> {
  const { data } = message;
  return {
    type: `kratos-sync.${message.kind}`,
    deliveryId: message.messageId,
    to: message.to,
    subject: message.subject,
    text: message.text.reveal(),
    html: message.html.reveal(),
    source: data.source,
    key: data.key,
    identityId: data.identityId,
    name: data.name,
    attempt: data.attempt,
    ...(data.link ? { link: data.link.reveal() } : {}),
    ...(data.code ? { code: data.code.reveal() } : {}),
    ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}),
  };
}
