import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.ts';
import type { InviteMessage } from '../../src/delivery/channel.ts';
import { SealedText } from '../../src/delivery/sealed-text.ts';
import { createWebhookChannel } from '../../src/delivery/webhook-channel.ts';
import {
  OUTBOUND_SIGNATURE_HEADER,
  signOutboundWebhook,
  verifyOutboundWebhook,
} from '../../src/delivery/outbound-signature.ts';
import { freePort } from '../support/redis-server.ts';

const SECRET = 'whsec-test-0123456789';
const NOW = new Date('2026-05-04T06:00:00Z');

function message(): InviteMessage {
  const link = new Secret('https://id.example.com/self-service/recovery?flow=f2&token=webhook-token-456');
  return {
    messageId: '<invite.xyz.1@example.com>',
    kind: 'invite',
    to: 'hire@example.com',
    subject: 'Welcome',
    text: new SealedText(`Open ${link.reveal()}`),
    html: new SealedText(`<a href="${link.reveal()}">open</a>`),
    data: {
      source: 'hr',
      key: 'E2',
      identityId: 'id-2',
      name: 'Hire',
      link,
      expiresAt: '2026-05-07T06:00:00Z',
      attempt: 1,
    },
  };
}

describe('webhook channel', () => {
  let server: Server;
  let url: string;
  let received: Array<{ headers: IncomingMessage['headers']; body: string }>;
  let status: number;
  let hang: boolean;

  beforeEach(async () => {
    received = [];
    status = 202;
    hang = false;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (hang) return;
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/invites`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const channel = (target = url, timeoutMs = 2_000) =>
    createWebhookChannel({ url: target, secret: new Secret(SECRET), timeoutMs, now: () => NOW });

  it('POSTs the invite signed with HMAC-SHA256 over timestamp and body', async () => {
    await channel().send(message());
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const signature = headers[OUTBOUND_SIGNATURE_HEADER] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(signature).toBe(signOutboundWebhook(SECRET, NOW.getTime() / 1000, body));
    expect(verifyOutboundWebhook(SECRET, body, signature, NOW.getTime() / 1000)).toBe(true);
    expect(headers['x-kratos-sync-delivery-id']).toBe('<invite.xyz.1@example.com>');
    expect(JSON.parse(body)).toMatchObject({
      type: 'kratos-sync.invite',
      to: 'hire@example.com',
      link: 'https://id.example.com/self-service/recovery?flow=f2&token=webhook-token-456',
      expiresAt: '2026-05-07T06:00:00Z',
      attempt: 1,
    });
  });

  it('rejects a tampered body, a wrong key and a stale timestamp', () => {
    const body = '{"a":1}';
    const t = NOW.getTime() / 1000;
    const header = signOutboundWebhook(SECRET, t, body);
    expect(verifyOutboundWebhook(SECRET, '{"a":2}', header, t)).toBe(false);
    expect(verifyOutboundWebhook('other-secret', body, header, t)).toBe(false);
    expect(verifyOutboundWebhook(SECRET, body, header, t + 301)).toBe(false);
    expect(verifyOutboundWebhook(SECRET, body, undefined, t)).toBe(false);
  });

  it('treats an error status as not accepted, and no answer in time as possibly accepted', async () => {
    status = 500;
    await expect(channel().send(message())).rejects.toMatchObject({ notSent: true, failure: 'HTTP 500' });
    hang = true;
    await expect(channel(url, 300).send(message())).rejects.toMatchObject({ notSent: false });
    await expect(channel(`http://127.0.0.1:${await freePort()}/x`).send(message())).rejects.toMatchObject({
      notSent: true,
    });
  });
});
