import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { minimalConfig } from './config-fixture.ts';

const base = minimalConfig();

describe('undo configuration', () => {
  it('keeps before-images 30 days by default and has no key unless given', () => {
    const { config } = loadConfig({ env: {}, object: base });
    expect(config.undo.keepFor).toBe(30 * 86_400_000);
    expect(config.undo.key).toBeUndefined();
  });

  it('reads the key from the environment, as a secret that never prints', () => {
    const { config } = loadConfig({
      env: { UNDO_KEY: 'k'.repeat(40) },
      object: { ...base, undo: { key: { fromEnv: 'UNDO_KEY' }, keepFor: '7d' } },
    });
    expect(config.undo.key?.reveal()).toBe('k'.repeat(40));
    expect(JSON.stringify(config.undo)).toBe(`{"key":"[redacted]","keepFor":${7 * 86_400_000}}`);
  });

  it('refuses a short key and a bad duration, naming each option', () => {
    let error: unknown;
    try {
      loadConfig({ env: {}, object: { ...base, undo: { key: 'short', keepFor: '3 days' } } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('undo.key: undo.key must be at least 32 characters');
    expect((error as Error).message).toContain('undo.keepFor: expected a duration');
  });
});
