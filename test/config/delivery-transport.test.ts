import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { configErrorOf, minimalConfig } from './config-fixture.ts';

// Invites carry recovery links and codes: the channels that carry them are encrypted unless the operator
// says otherwise, or the other end is on this very machine.

const withDelivery = (delivery: Record<string, unknown>) => minimalConfig({ delivery });

const smtp = (extra: Record<string, unknown>) => ({
  smtp: { host: 'smtp.example.com', from: 'IT <it@example.com>', ...extra },
});

const webhook = (extra: Record<string, unknown>) => ({
  webhook: { url: 'https://mailer.example.com/invites', secret: 'whsec-delivery', ...extra },
});

describe('delivery.smtp.requireTLS', () => {
  it.each([
    ['a remote host', 'smtp.example.com', true],
    ['an address on the network', '10.0.0.25', true],
    ['localhost', 'localhost', false],
    ['127.0.0.1', '127.0.0.1', false],
    ['::1', '::1', false],
  ])('defaults for %s to %s', (_case, host, expected) => {
    const { config } = loadConfig({ object: withDelivery(smtp({ host })), env: {} });
    expect(config.delivery.smtp?.requireTLS).toBe(expected);
  });

  it('an explicit setting wins either way', () => {
    const optOut = loadConfig({ object: withDelivery(smtp({ requireTLS: false })), env: {} });
    expect(optOut.config.delivery.smtp?.requireTLS).toBe(false);
    const local = loadConfig({
      object: withDelivery(smtp({ host: '127.0.0.1', requireTLS: true })),
      env: {},
    });
    expect(local.config.delivery.smtp?.requireTLS).toBe(true);
  });
});

describe('delivery.webhook.url', () => {
  it('refuses plain http to a remote host, naming the option and the way out', () => {
    const message = configErrorOf(withDelivery(webhook({ url: 'http://mailer.example.com/invites' })));
    expect(message).toContain('delivery.webhook.url');
    expect(message).toContain('delivery.webhook.allowInsecureHttp');
  });

  it('accepts https, plain http to a loopback host, and plain http when allowInsecureHttp is set', () => {
    for (const extra of [
      {},
      { url: 'http://127.0.0.1:8025/invites' },
      { url: 'http://localhost:8025/invites' },
      { url: 'http://mailer.internal/invites', allowInsecureHttp: true },
    ]) {
      const { config } = loadConfig({ object: withDelivery(webhook(extra)), env: {} });
      expect(config.delivery.webhook?.url).toBe(extra.url ?? 'https://mailer.example.com/invites');
    }
  });

  it('refuses a URL that is not http(s) at all', () => {
    expect(configErrorOf(withDelivery(webhook({ url: 'ftp://mailer.example.com/x' })))).toContain(
      'delivery.webhook.url',
    );
  });
});
