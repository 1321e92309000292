import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { minimalConfig } from './config-fixture.ts';

function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const { config } = loadConfig({ object: minimalConfig(), env: {} });
    expect(config.kratos.apiVersion).toBe('auto');
    expect(config.kratos.batchSize).toBeUndefined(); // the server's own limit
    expect(config.redis.prefix).toBe('{kratos-sync}');
    expect(config.sources.hr?.leaver.policy).toBe('deactivate');
    expect(config.sources.hr?.onboarding.lifetime).toBe(72 * 3_600_000);
    expect(config.queue.shutdownTimeout).toBe(30_000);
    expect(Object.isFrozen(config.kratos)).toBe(true);
  });

  it('names every unknown or invalid option and what is expected', () => {
    const raw = minimalConfig() as Record<string, any>;
    raw.kratos.adminUrl = 'not a url';
    raw.kratos.concurency = 4;
    raw.sources.hr.guard = { maxRemoveFraction: 2 };
    let message = '';
    try {
      loadConfig({ object: raw, env: {} });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('kratos.adminUrl: expected an absolute http(s) URL');
    expect(message).toContain('kratos: unknown option "concurency"');
    expect(message).toMatch(/sources\.hr\.guard\.maxRemoveFraction: .*(<=|at most|1)/);
  });

  it('defaults the guard against empty sources and bursts of single-person removals, and refuses a zero window', () => {
    const { config } = loadConfig({ object: minimalConfig(), env: {} });
    expect(config.sources.hr?.guard).toMatchObject({
      maxSourceShrink: 0.5,
      maxEventRemovals: 20,
      eventWindow: 3_600_000,
    });
    expect(config.sources.hr?.mayBeEmpty).toBe(false);
    const raw = minimalConfig() as Record<string, any>;
    raw.sources.hr.guard = { eventWindow: '0s', maxSourceShrink: 1.5 };
    let message = '';
    try {
      loadConfig({ object: raw, env: {} });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('sources.hr.guard.eventWindow: must be longer than 0');
    expect(message).toMatch(/sources\.hr\.guard\.maxSourceShrink: .*(<=|at most|1)/);
  });

  it('rejects a source name that cannot be used in keys and URLs', () => {
    const raw = minimalConfig() as Record<string, any>;
    raw.sources = { 'HR System': raw.sources.hr };
    expect(() => loadConfig({ object: raw, env: {} })).toThrow(
      /sources\.HR System: source names are lowercase/,
    );
  });

  it('takes the documented environment overrides, secrets also from *_FILE', () => {
    const tokenFile = writeTemp('token', 'file-token-value\n');
    const { config } = loadConfig({
      object: minimalConfig(),
      env: {
        KRATOS_ADMIN_URL: 'http://kratos-admin:4434',
        KRATOS_PUBLIC_URL: 'http://kratos:4433',
        KRATOS_ADMIN_TOKEN_FILE: tokenFile,
        REDIS_URL: 'redis://redis:6379/2',
      },
    });
    expect(config.kratos.adminUrl).toBe('http://kratos-admin:4434');
    expect(config.kratos.publicUrl).toBe('http://kratos:4433');
    expect(config.redis.url).toBe('redis://redis:6379/2');
    expect(config.kratos.adminToken).toBeInstanceOf(Secret);
    expect(config.kratos.adminToken?.reveal()).toBe('file-token-value');
  });

  it('reads secret options from env and files, and never prints them', () => {
    const secretFile = writeTemp('hook', 'webhook-secret-from-file');
    const raw = minimalConfig() as Record<string, any>;
    raw.kratos.adminToken = { fromEnv: 'ORY_TOKEN' };
    raw.sources.hr.webhook = { secret: { fromFile: secretFile }, personKey: 'employee_id' };
    const { config } = loadConfig({ object: raw, env: { ORY_TOKEN: 'ory_pat_abcdef123456' } });
    expect(config.kratos.adminToken?.reveal()).toBe('ory_pat_abcdef123456');
    expect(config.sources.hr?.webhook?.secret.reveal()).toBe('webhook-secret-from-file');
    const printed =
      JSON.stringify(config) + String(config.kratos.adminToken) + `${config.sources.hr?.webhook?.secret}`;
    expect(printed).not.toContain('ory_pat_abcdef123456');
    expect(printed).not.toContain('webhook-secret-from-file');
  });

  it('fails at load naming webhook.leaverEvent when it is not a JSONata expression', () => {
    const raw = minimalConfig() as Record<string, any>;
    raw.sources.hr.webhook = { secret: 'x', personKey: 'employee_id', leaverEvent: 'type = (' };
    expect(() => loadConfig({ object: raw, env: {} })).toThrow(/sources\.hr\.webhook\.leaverEvent/);
  });

  it('fails naming the option when a secret reference cannot be resolved', () => {
    const raw = minimalConfig() as Record<string, any>;
    raw.kratos.adminToken = { fromEnv: 'MISSING_TOKEN' };
    expect(() => loadConfig({ object: raw, env: {} })).toThrow(
      /kratos\.adminToken: environment variable MISSING_TOKEN is not set/,
    );
  });

  it('reads YAML files and resolves relative paths against the file folder', () => {
    const file = writeTemp(
      'kratos-sync.yaml',
      [
        'kratos:',
        '  adminUrl: http://127.0.0.1:4434',
        'redis:',
        '  url: redis://127.0.0.1:6379',
        'sources:',
        '  hr:',
        '    connection: { type: csv, path: people.csv }',
        '    mapping: { key: employee_id, traits: "{}" }',
      ].join('\n'),
    );
    const loaded = loadConfig({ file, env: {} });
    expect(loaded.baseDir).toBe(path.dirname(file));
  });

  it('reports YAML syntax errors with the file name', () => {
    const file = writeTemp('broken.yaml', 'kratos: [unclosed');
    expect(() => loadConfig({ file, env: {} })).toThrow(/broken\.yaml is not valid YAML/);
  });
});
