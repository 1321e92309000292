import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { minimalConfig } from '../config/config-fixture.ts';
import { spawnCli } from './spawn-cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-check-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseConfig = (): Record<string, any> => minimalConfig();

let files = 0;
function writeConfig(config: Record<string, unknown>): string {
  const file = path.join(dir, `config-${++files}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

const checkConfig = (file: string) => spawnCli(['--config', file, 'check-config'], { NODE_NO_WARNINGS: '1' });

describe('kratos-sync check-config', { timeout: 120_000 }, () => {
  it('redacts URL userinfo and kratos.headers values, keeping the rest readable', async () => {
    const config = baseConfig();
    config.redis.url = 'redis://sync-user:redis-pass-4711@redis.internal:6379/0';
    config.kratos.adminUrl = 'https://gw-user:gw-pass-4712@kratos.internal:4434';
    config.kratos.headers = { 'x-gateway-key': 'gateway-key-4713', 'x-tenant': 'tenant-4714' };
    const { code, stdout, stderr } = await checkConfig(writeConfig(config));
    expect(code, stderr).toBe(EXIT.ok);
    for (const secret of [
      'redis-pass-4711',
      'sync-user',
      'gw-pass-4712',
      'gateway-key-4713',
      'tenant-4714',
    ]) {
      expect(stdout).not.toContain(secret);
    }
    const printed = JSON.parse(stdout);
    expect(printed.redis.url).toBe('redis://[redacted]@redis.internal:6379/0');
    expect(printed.kratos.adminUrl).toBe('https://[redacted]@kratos.internal:4434');
    expect(printed.kratos.headers).toEqual({ 'x-gateway-key': '[redacted]', 'x-tenant': '[redacted]' });
    expect(printed.sources.hr.mapping.traits).toBe('{"email": email}');
  });

  // Each of these used to pass check-config and only fail when the worker or a sync started.
  const broken: Array<[string, string, (config: Record<string, any>) => void]> = [
    ['sources.hr.mapping.traits', 'JSONata', (c) => (c.sources.hr.mapping.traits = '{ "email": ')],
    ['sources.hr.mapping.scope', 'JSONata', (c) => (c.sources.hr.mapping.scope = 'status = ')],
    ['sources.hr.leaver.when', 'JSONata', (c) => (c.sources.hr.leaver = { when: '$$$(' })],
    ['sources.hr.leaver.timeZone', 'time zone', (c) => (c.sources.hr.leaver = { timeZone: 'Mars/Olympus' })],
    ['sources.hr.schedule', 'cron', (c) => (c.sources.hr.schedule = '61 * * * *')],
    [
      'sources.hr.webhook.personKey',
      'JSONata',
      (c) => (c.sources.hr.webhook = { secret: 'webhook-secret-123', personKey: 'data.[[' }),
    ],
    [
      'sources.hr.onboarding.email',
      'JSONata',
      (c) => (c.sources.hr.onboarding = { enabled: true, email: 'work_email &' }),
    ],
    [
      'sources.hr.onboarding.defaultTimeZone',
      'time zone',
      (c) => (c.sources.hr.onboarding = { enabled: true, defaultTimeZone: 'Europe/Nowhere' }),
    ],
  ];

  it.each(broken)('start-up fails on a bad %s alone, naming it', (option, what, breakIt) => {
    const config = baseConfig();
    breakIt(config);
    const file = writeConfig(config);
    // Start-up (worker, sync, plan …) and check-config load the config the same way.
    expect(() => loadConfig({ file })).toThrow(ConfigError);
    expect(() => loadConfig({ file })).toThrow(option);
    expect(() => loadConfig({ file })).toThrow(what);
  });

  it('check-config fails (exit 2) on an HTTP source or token endpoint in plain http to a remote host, naming it', async () => {
    const config = baseConfig();
    config.sources.hr.connection = {
      type: 'http-json',
      url: 'http://hr.example.com/api/employees',
      auth: {
        type: 'oauth2-client-credentials',
        tokenUrl: 'http://auth.example.com/token',
        clientId: 'client-1',
        clientSecret: 'client-secret-1',
      },
    };
    const { code, stderr, stdout } = await checkConfig(writeConfig(config));
    expect(code, stdout).toBe(EXIT.usage);
    expect(stderr).toContain('sources.hr.connection.url: must be https');
    expect(stderr).toContain('sources.hr.connection.auth.tokenUrl: must be https');
    expect(stderr).not.toContain('client-secret-1');
  });

  it('check-config fails (exit 2) on http.trustProxy: true, naming the option and why', async () => {
    const config = baseConfig();
    config.http = { ...config.http, trustProxy: true };
    const { code, stderr, stdout } = await checkConfig(writeConfig(config));
    expect(code, stdout).toBe(EXIT.usage);
    expect(stderr).toMatch(/http\.trustProxy: .*true or a hop count is not accepted/);
  });

  it('check-config fails (exit 2) on all of them at once, naming each', async () => {
    const config = baseConfig();
    for (const [, , breakIt] of broken) breakIt(config);
    // The leaver and onboarding cases each replace their whole section; put both problems back in each.
    config.sources.hr.leaver = { when: '$$$(', timeZone: 'Mars/Olympus' };
    config.sources.hr.onboarding = {
      enabled: true,
      email: 'work_email &',
      defaultTimeZone: 'Europe/Nowhere',
    };
    const { code, stderr, stdout } = await checkConfig(writeConfig(config));
    expect(code, stdout).toBe(EXIT.usage);
    for (const [option] of broken) expect(stderr).toContain(option);
  });
});
