import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const base = (onboarding: object, delivery: object = {}) => ({
  kratos: { adminUrl: 'http://127.0.0.1:4434' },
  redis: { url: 'redis://127.0.0.1:6379' },
  sources: {
    hr: { connection: { type: 'csv', path: 'hr.csv' }, mapping: { key: 'id', traits: '{}' }, onboarding },
  },
  delivery,
});

describe('onboarding delivery settings are checked at boot', () => {
  it('names the source and the missing delivery section', () => {
    expect(() => loadConfig({ object: base({ enabled: true, channel: 'smtp' }), env: {} })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ object: base({ enabled: true, channel: 'webhook' }), env: {} })).toThrow(
      /sources\.hr\.onboarding\.channel: is "webhook" but delivery\.webhook is not configured/,
    );
  });

  it('accepts the outbox, a disabled source, and a configured channel', () => {
    expect(() => loadConfig({ object: base({ enabled: true, channel: 'outbox' }), env: {} })).not.toThrow();
    expect(() => loadConfig({ object: base({ enabled: false, channel: 'smtp' }), env: {} })).not.toThrow();
    const smtp = { smtp: { host: 'mail.example.com', from: 'it@example.com' } };
    expect(() =>
      loadConfig({ object: base({ enabled: true, channel: 'smtp' }, smtp), env: {} }),
    ).not.toThrow();
  });
});
