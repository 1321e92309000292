import type { NotifyConfig } from '../config/sections/notify.ts';
import type { SmtpChannelOptions } from '../delivery/smtp-channel.ts';
import { createSmtpMailer } from '../delivery/smtp-channel.ts';
import { domainOf } from '../delivery/message-id.ts';
import { postSigned } from '../delivery/signed-post.ts';
import type { NoticeMessage } from './notice-message.ts';

/** One way to tell an operator: a signed webhook (Slack-compatible body) or an email. */
export interface NoticeChannel {
  readonly name: 'webhook' | 'email';
  /** Resolves once the channel took the message; throws a `DeliveryError` otherwise. */
  send(message: NoticeMessage, event: string): Promise<void>;
  close(): void;
}

/** The channels `notify:` configures (none when it configures none). */
export function createNoticeChannels(
  notify: NotifyConfig,
  options: { smtp?: SmtpChannelOptions | undefined; now: () => Date },
): NoticeChannel[] {
  const channels: NoticeChannel[] = [];
  if (notify.webhook) channels.push(webhookNotices(notify.webhook, options.now));
  if (notify.email) {
    // The config schema refuses notify.email without delivery.smtp; this is the same rule for direct callers.
    if (!options.smtp) throw new Error('notify.email is set but delivery.smtp is not configured');
    channels.push(emailNotices(notify.email, options.smtp));
  }
  return channels;
}

/**
 * The body is exactly a Slack incoming-webhook message (`text` + `blocks`), so a Slack URL works as it is;
 * other receivers read the run id and event from the headers and check the signature as for delivery
 * webhooks (`x-kratos-sync-signature`).
 */
function webhookNotices(webhook: NonNullable<NotifyConfig['webhook']>, now: () => Date): NoticeChannel {
  return {
    name: 'webhook',
    async send(message, event) {
      await postSigned({
        url: webhook.url.reveal(),
        secret: webhook.secret.reveal(),
        body: JSON.stringify(message.slack),
        headers: { 'x-kratos-sync-delivery-id': message.id, 'x-kratos-sync-event': `run.${event}` },
        timeoutMs: webhook.timeoutMs,
        now,
        channel: 'notify.webhook',
      });
    },
    close() {},
  };
}

function emailNotices(email: NonNullable<NotifyConfig['email']>, smtp: SmtpChannelOptions): NoticeChannel {
  const mailer = createSmtpMailer(smtp);
  return {
    name: 'email',
    async send(message) {
      await mailer.send({
        to: [...email.to],
        subject: `${email.subjectPrefix} ${message.title}`.trim(),
        text: message.text,
        messageId: `<${message.id}@${domainOf(smtp.from)}>`,
        headers: { 'X-Kratos-Sync-Kind': 'run-notice' },
      });
    },
    close() {
      mailer.close();
    },
  };
}
