import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server (smtp-server) that counts accepted messages per recipient. Unlike the delivery tests'
 * sink it expects clients to die mid-conversation (SIGKILLed workers): a reset connection is expected
 * here, not an error of the test.
 */
export interface SmtpCounter {
  port: number;
  byRecipient(): Map<string, number>;
  /** Connections that ended in a socket error (a worker killed while talking to us). */
  resets: number;
  stop(): Promise<void>;
}

export async function startSmtpCounter(): Promise<SmtpCounter> {
  const counts = new Map<string, number>();
  let resets = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        for (const to of session.envelope.rcptTo) counts.set(to.address, (counts.get(to.address) ?? 0) + 1);
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
    get resets() {
      return resets;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
