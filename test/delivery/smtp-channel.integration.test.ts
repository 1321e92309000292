import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.ts';
import { DeliveryError, type InviteMessage } from '../../src/delivery/channel.ts';
import { SealedText } from '../../src/delivery/sealed-text.ts';
import { createSmtpChannel } from '../../src/delivery/smtp-channel.ts';
import { freePort } from '../support/redis-server.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

function message(id = '<invite.abc.1@example.com>'): InviteMessage {
  const link = new Secret('https://id.example.com/self-service/recovery?flow=f1&token=sekrit-token-123');
  return {
    messageId: id,
    kind: 'invite',
    to: 'new.hire@example.com',
    subject: 'Welcome',
    text: new SealedText(`Open ${link.reveal()}`),
    html: new SealedText(`<a href="${link.reveal()}">open</a>`),
    data: { source: 'hr', key: 'E1', identityId: 'id-1', name: 'New Hire', link, attempt: 1 },
  };
}

describe('SMTP channel', () => {
  let sink: SmtpSink;
  beforeEach(async () => {
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await sink.stop();
  });

  const channel = (port = sink.port) =>
    createSmtpChannel({
      host: '127.0.0.1',
      port,
      secure: false,
      from: 'IT <it@example.com>',
      timeoutMs: 2_000,
    });

  it('sends a text and an HTML part with the deterministic Message-ID', async () => {
    const smtp = channel();
    await smtp.send(message());
    await smtp.close();
    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0]!;
    expect(mail.to).toEqual(['new.hire@example.com']);
    expect(mail.messageId).toBe('<invite.abc.1@example.com>');
    expect(mail.raw).toContain('text/plain');
    expect(mail.raw).toContain('text/html');
    expect(mail.decoded).toContain('token=sekrit-token-123');
  });

  it('reports a refused recipient as certainly not sent, without the recipient or body in the error', async () => {
    sink.rejectRecipients(550);
    const error = await channel()
      .send(message())
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).notSent).toBe(true);
    expect((error as DeliveryError).message).not.toMatch(/new\.hire|sekrit/);
    expect(sink.messages).toHaveLength(0);
  });

  it('reports a server that cannot be reached as certainly not sent', async () => {
    const error = await channel(await freePort())
      .send(message())
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'DeliveryError', notSent: true });
  });

  it('reports a connection lost after the data went out as possibly sent', async () => {
    sink.dropAfterData(true);
    const error = await channel()
      .send(message())
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'DeliveryError', notSent: false });
    expect(sink.dropped).toBe(1);
  });

  describe('on a server that offers no STARTTLS', () => {
    const tlsChannel = (requireTLS: boolean | undefined) =>
      createSmtpChannel({
        host: '127.0.0.1',
        port: sink.port,
        secure: false,
        user: 'mailer',
        password: new Secret('smtp-password-never-in-clear'),
        from: 'IT <it@example.com>',
        timeoutMs: 2_000,
        ...(requireTLS === undefined ? {} : { requireTLS }),
      });

    it('with requireTLS sends neither AUTH nor the message, and says why and which option decides', async () => {
      const smtp = tlsChannel(true);
      const error = await smtp.send(message()).catch((err: unknown) => err);
      await smtp.close();
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error).toMatchObject({ notSent: true });
      expect((error as Error).message).toMatch(/STARTTLS/);
      expect((error as Error).message).toMatch(/delivery\.smtp\.requireTLS/);
      expect((error as Error).message).not.toMatch(/smtp-password|sekrit|new\.hire/);
      expect(sink.auths).toEqual([]);
      expect(sink.messages).toHaveLength(0);
    });

    it('sends in clear only when told to (requireTLS: false)', async () => {
      const smtp = tlsChannel(false);
      await smtp.send(message());
      await smtp.close();
      expect(sink.auths).toEqual([{ method: 'PLAIN', username: 'mailer', secure: false }]);
      expect(sink.messages).toHaveLength(1);
    });

    it('defaults to cleartext only for a loopback host (the server is on this machine)', async () => {
      const smtp = tlsChannel(undefined);
      await smtp.send(message());
      await smtp.close();
      expect(sink.messages).toHaveLength(1);
    });
  });
});
