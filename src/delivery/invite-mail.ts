import type { InviteMessage } from './channel.ts';
import type { OutgoingMail } from './smtp-channel.ts';

/**
 * The e-mail an invite becomes, whichever channel writes it (SMTP sends it, the outbox composes it into an
 * .eml file): the bodies are revealed here, as they go onto the wire, and `X-Kratos-Sync-Kind` tells an
 * invite from a manager notice.
 */
export function inviteMail(message: InviteMessage): OutgoingMail & { html: string } {
  return {
    to: message.to,
    subject: message.subject,
    text: message.text.reveal(),
    html: message.html.reveal(),
    messageId: message.messageId,
    headers: { 'X-Kratos-Sync-Kind': message.kind },
  };
}
