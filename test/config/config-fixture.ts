import { ConfigError, loadConfig } from '../../src/config/load.ts';

/** The smallest config that loads: Kratos and Redis addresses and one CSV source; `extra` adds sections. */
export function minimalConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kratos: { adminUrl: 'http://127.0.0.1:4434' },
    redis: { url: 'redis://127.0.0.1:6379' },
    sources: {
      hr: {
        connection: { type: 'csv', path: 'people.csv' },
        mapping: { key: 'employee_id', traits: '{"email": email}' },
      },
    },
    ...extra,
  };
}

/** The ConfigError message of a config that must be refused (what start-up and `check-config` print). */
export function configErrorOf(object: unknown): string {
  try {
    loadConfig({ object, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
