import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { decodeQuotedPrintable, linksIn } from '../../delivery/support/smtp-sink.ts';

/**
 * A real SMTP server (smtp-server) that counts accepted messages per recipient. Unlike the delivery tests'
 * sink it expects clients to die mid-conversation (SIGKILLed workers): a reset connection is expected
 * here, not an error of the test.
 */
export interface SmtpCounter {
  port: number;
  byRecipient(): Map<string, number>;
  /** The recovery links each recipient received, oldest first. */
  linksByRecipient(): Map<string, string[]>;
  /** Connections that ended in a socket error (a worker killed while talking to us). */
  resets: number;
  stop(): Promise<void>;
}

export async function startSmtpCounter(): Promise<SmtpCounter> {
  const counts = new Map<string, number>();
  const links = new Map<string, string[]>();
  let resets = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const found = linksIn({ decoded: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')) });
        for (const to of session.envelope.rcptTo) {
          counts.set(to.address, (counts.get(to.address) ?? 0) + 1);
          links.set(to.address, [...(links.get(to.address) ?? []), ...found]);
        }
        callback();
      });
    },
  });
  server.on('error', () => {
    resets++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    byRecipient: () => new Map(counts),
    linksByRecipient: () => new Map(links),
    get resets() {
      return resets;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
