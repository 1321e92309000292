import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { DeliveryError, type DeliveryChannel, type InviteMessage } from './channel.ts';
import { inviteMail } from './invite-mail.ts';

export interface OutboxChannelOptions {
  /** Absolute folder the messages are written to. */
  dir: string;
  from: string;
}

/**
 * Development delivery: each message becomes `<dir>/<message-id>.eml` (a complete RFC 5322 message that
 * any mail client opens). Files are written to a temporary name and renamed, so a file that exists is a
 * whole message — which lets this channel answer `wasSent` for certain after a crash.
 */
export function createOutboxChannel(options: OutboxChannelOptions): DeliveryChannel {
  const fileOf = (messageId: string) =>
    path.join(options.dir, `${messageId.replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`);
  return {
    name: 'outbox',
    async send(message: InviteMessage) {
      try {
        const raw = await new MailComposer({ from: options.from, ...inviteMail(message) }).compile().build();
        await mkdir(options.dir, { recursive: true });
        const file = fileOf(message.messageId);
        const partial = `${file}.${process.pid}.tmp`;
        await writeFile(partial, raw, { mode: 0o600 });
        await rename(partial, file);
      } catch (err) {
        throw new DeliveryError('outbox', (err as { code?: string }).code ?? 'write-failed', true);
      }
      return { messageId: message.messageId };
    },
    async wasSent(messageId: string) {
      try {
        await stat(fileOf(messageId));
        return true;
      } catch {
        return false;
      }
    },
    async close() {},
  };
}
