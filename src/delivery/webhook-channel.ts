import type { Secret } from '../config/secret.ts';
import type { DeliveryChannel, InviteMessage } from './channel.ts';
import { postSigned } from './signed-post.ts';

export interface WebhookChannelOptions {
  url: string;
  secret: Secret;
  timeoutMs: number;
  /** Unix time source for the signature (tests pin it). */
  now: () => Date;
}

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
      await postSigned({
        url: options.url,
        secret: options.secret.reveal(),
        body: JSON.stringify(webhookBody(message)),
        headers: { 'x-kratos-sync-delivery-id': message.messageId },
        timeoutMs: options.timeoutMs,
        now: options.now,
        channel: 'webhook',
      });
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
