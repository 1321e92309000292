import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { configErrorOf, minimalConfig } from '../config/config-fixture.ts';

const base = minimalConfig;

const SMTP = { delivery: { smtp: { host: '127.0.0.1', from: 'sync@example.com' } } };
const SLACK = 'https://hooks.slack.com/services/T0000/B0000/notifyConfigTokenXYZ123';

/** The ConfigError message of a config that must fail (what start-up and `check-config` print). */
const failure = (extra: Record<string, unknown>) => configErrorOf(base(extra));

describe('notify: configuration', () => {
  it('accepts a webhook and email with their defaults, and holds the webhook URL as a secret', () => {
    const { config } = loadConfig({
      object: base({
        ...SMTP,
        http: { publicUrl: 'https://kratos-sync.example.com' },
        notify: { webhook: { url: SLACK, secret: 'notify-secret-123' }, email: { to: ['ops@example.com'] } },
      }),
      env: {},
    });
    expect(config.notify.on).toEqual(['held', 'failed', 'partial']);
    expect(config.notify.partialAbove).toEqual({ fraction: 0.05 });
    expect(config.notify.webhook?.timeoutMs).toBe(10_000);
    expect(config.notify.email?.subjectPrefix).toBe('[kratos-sync]');
    expect(JSON.stringify(config.notify)).not.toContain('notifyConfigTokenXYZ123');
    expect(config.http.publicUrl).toBe('https://kratos-sync.example.com');
  });

  it('refuses a plain-http webhook on another host unless allowInsecureHttp, naming the option', () => {
    const message = failure({
      notify: { webhook: { url: 'http://chat.example.com/hook/abc', secret: 'notify-secret-123' } },
    });
    expect(message).toContain('notify.webhook.url: must be https');
    expect(message).toContain('notify.webhook.allowInsecureHttp');
    // The URL is a secret: the message does not quote it.
    expect(message).not.toContain('chat.example.com/hook/abc');
    for (const webhook of [
      { url: 'http://127.0.0.1:9999/hook', secret: 'notify-secret-123' },
      { url: 'http://chat.example.com/hook', secret: 'notify-secret-123', allowInsecureHttp: true },
    ]) {
      expect(() => loadConfig({ object: base({ notify: { webhook } }), env: {} })).not.toThrow();
    }
  });

  it('names each bad notify option', () => {
    expect(failure({ notify: { webhook: { url: 'not a url', secret: 'notify-secret-123' } } })).toContain(
      'notify.webhook.url: expected an absolute https URL',
    );
    expect(failure({ notify: { webhook: { url: SLACK } } })).toMatch(/notify\.webhook\.secret: /);
    expect(failure({ ...SMTP, notify: { email: { to: ['not-an-address'] } } })).toContain(
      'notify.email.to.0: expected an email address',
    );
    expect(failure({ notify: { on: ['deleted'] } })).toMatch(/notify\.on\.0: /);
    expect(failure({ notify: { partialAbove: { fraction: 5 } } })).toMatch(
      /notify\.partialAbove\.fraction: /,
    );
    expect(failure({ notify: { channel: 'slack' } })).toContain('notify: unknown option "channel"');
    expect(failure({ http: { publicUrl: 'kratos-sync.example.com' } })).toContain(
      'http.publicUrl: expected an absolute http(s) URL',
    );
  });

  it('refuses notify.email without delivery.smtp', () => {
    expect(failure({ notify: { email: { to: ['ops@example.com'] } } })).toContain(
      'notify.email: is set but delivery.smtp is not configured',
    );
  });
});
