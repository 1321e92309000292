import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { cliParts } from '../../src/app/cli-parts.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { runCli } from '../../src/cli/program.ts';
import { starterConfig } from '../../src/cli/starters/starter-config.ts';
import { loadConfig } from '../../src/config/load.ts';
import { PRESET_NAMES } from '../../src/config/sections/presets/index.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { startFakeBambooHr } from '../support/fakes/bamboohr.ts';
import { writesOf } from '../sync/engine-harness.ts';
import { spawnCli } from './spawn-cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnCli(args, { NODE_NO_WARNINGS: '1', LOG_LEVEL: 'error', ...env });

/** The CLI in this process (commands that touch no network are quick to test this way). */
async function inProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    stderr += `${parts.join(' ')}\n`;
  });
  try {
    return { code: await runCli(['node', 'kratos-sync', ...args], cliParts), stderr };
  } finally {
    spy.mockRestore();
    error.mockRestore();
    process.exitCode = undefined;
  }
}

/** The environment variables a starter's comment header names, each set to a made-up value. */
function envFor(text: string): Record<string, string> {
  const names = [...text.matchAll(/fromEnv: ([A-Z0-9_]+)/g)].map((m) => m[1]!);
  return Object.fromEntries(names.map((name) => [name, `value-of-${name.toLowerCase()}-123456`]));
}

describe('kratos-sync init', { timeout: 60_000 }, () => {
  it.each([...PRESET_NAMES, undefined])(
    'writes a starter for %s that the config schema accepts as written, every credential from the environment',
    (preset) => {
      const text = starterConfig(preset);
      const file = path.join(dir, `starter-${preset ?? 'generic'}.yaml`);
      writeFileSync(file, text);
      const env = envFor(text);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      // Every name the comments tell the reader to set is one the file reads, and the other way round.
      const told = [...text.matchAll(/^#\s{6}([A-Z0-9_]+):/gm)].map((m) => m[1]);
      expect(told.sort()).toEqual(Object.keys(env).sort());
      const { config } = loadConfig({ file, env });
      expect(config.sources.hr!.connection).toMatchObject({
        type: 'http-json',
        ...(preset ? { preset } : {}),
      });
      expect(config.sources.hr!.schedule).toBe('0 2 * * *');
      // No literal credentials: without the environment the file does not load.
      expect(() => loadConfig({ file, env: {} })).toThrow(/environment variable [A-Z0-9_]+ is not set/);
    },
  );

  it('writes --out once, which check-config then accepts; it never overwrites a file', async () => {
    const file = path.join(dir, 'kratos-sync.yaml');
    const written = await inProcess(['init', '--preset', 'bamboohr', '--out', file]);
    expect(written.code).toBe(EXIT.ok);
    expect(written.stderr).toContain(`wrote ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('apiKey: { fromEnv: BAMBOOHR_API_KEY }');

    const env = envFor(text);
    const checked = await cli(['--config', file, 'check-config'], env);
    expect(checked.code, checked.stderr).toBe(EXIT.ok);
    const effective = JSON.parse(checked.stdout) as {
      sources: { hr: { connection: Record<string, unknown>; mapping: Record<string, string> } };
    };
    expect(effective.sources.hr.connection).toMatchObject({
      preset: 'bamboohr',
      subdomain: 'acme',
      apiKey: '[redacted]',
    });
    expect(effective.sources.hr.mapping.key).toBe('id');
    expect(checked.stdout).not.toContain(env.BAMBOOHR_API_KEY);

    writeFileSync(file, '# edited by hand\n');
    const again = await inProcess(['init', '--preset', 'hubspot', '--out', file]);
    expect(again.code).toBe(EXIT.usage);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(file, 'utf8')).toBe('# edited by hand\n');
  });

  it('refuses a preset it does not know, naming the ones it does', async () => {
    const result = await inProcess(['init', '--preset', 'sap']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('bamboohr, hibob, personio, workday, hubspot');
  });
});

describe('kratos-sync check-config --probe', { timeout: 60_000 }, () => {
  let sim: KratosSim | undefined;
  let api: Awaited<ReturnType<typeof startFakeBambooHr>> | undefined;
  afterEach(async () => {
    await sim?.stop();
    await api?.close();
    sim = api = undefined;
  });

  async function setup(apiKeyInConfig: string) {
    sim = await startKratosSim({ api: 'v26' });
    api = await startFakeBambooHr({
      companyDomain: 'acme',
      apiKey: 'real-bamboo-key-0123456789',
      employees: [
        {
          id: '7',
          first: 'Kim',
          last: 'Lee',
          email: 'Kim.Lee@example.com',
          department: 'Ops',
          title: 'SRE',
          hireDate: '2024-01-02',
          active: true,
          updated: '2026-11-01T00:00:00Z',
        },
        {
          id: '8',
          first: 'Ann',
          last: 'Ray',
          email: 'ann@example.com',
          department: 'Ops',
          title: 'SRE',
          hireDate: '2024-01-02',
          active: true,
          updated: '2026-11-01T00:00:00Z',
        },
      ],
    });
    const file = path.join(dir, `probe-${Date.now()}.yaml`);
    writeFileSync(
      file,
      stringify({
        kratos: { adminUrl: sim.adminUrl, retry: { retries: 0 } },
        // Nothing listens here: the probe must not need Redis.
        redis: { url: 'redis://127.0.0.1:9' },
        sources: {
          hr: {
            connection: {
              type: 'http-json',
              preset: 'bamboohr',
              subdomain: 'acme',
              apiKey: { fromEnv: 'BAMBOO_KEY' },
              baseUrl: api.url,
              retries: 0,
            },
          },
        },
      }),
    );
    return { file, env: { BAMBOO_KEY: apiKeyInConfig } };
  }

  it('reads one record and prints the identity it would become, writing nothing', async () => {
    const { file, env } = await setup('real-bamboo-key-0123456789');
    const result = await cli(['--config', file, 'check-config', '--probe'], env);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toContain('kratos: reachable (v26); identity schemas: default, employee');
    expect(result.stdout).toContain('source hr: read record 7; it would become:');
    const json = result.stdout.slice(result.stdout.indexOf('{'), result.stdout.lastIndexOf('}') + 1);
    expect(JSON.parse(json)).toEqual({
      external_id: 'bamboohr-7',
      schema_id: 'employee',
      state: 'active',
      traits: {
        email: 'kim.lee@example.com',
        name: { first: 'Kim', last: 'Lee' },
        employee_number: 'EN-7',
        department: 'Ops',
        job_title: 'SRE',
        location: 'Remote',
        start_date: '2024-01-02',
      },
      metadata_public: null,
      metadata_admin: { bamboohr: { status: 'Active', employment_status: 'Full-Time' } },
    });
    expect(result.stdout).toContain('nothing was written.');
    expect(writesOf(sim!)).toEqual({});
    expect(api!.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/gateway.php/acme/v1/reports/custom',
    ]);
    expect(result.stdout + result.stderr).not.toContain('real-bamboo-key-0123456789');
  });

  it("says Kratos cannot be reached, without waiting through a sync's backoff", async () => {
    const { file, env } = await setup('real-bamboo-key-0123456789');
    const text = readFileSync(file, 'utf8').replace(sim!.adminUrl, 'http://127.0.0.1:9');
    writeFileSync(file, text.replace('retries: 0', 'retries: 6'));
    const result = await cli(['--config', file, 'check-config', '--probe'], env);
    expect(result.code).toBe(EXIT.failure);
    expect(result.stdout).toMatch(/^kratos: FAILED: /m);
    expect(result.stdout).toContain('source hr: FAILED: not probed: Kratos is needed to check the mapping');
    expect(api!.requests).toHaveLength(0);
  });

  it('says which system failed and what to do, and exits 1', async () => {
    const { file, env } = await setup('a-revoked-bamboo-key-000');
    const result = await cli(['--config', file, 'check-config', '--probe'], env);
    expect(result.code).toBe(EXIT.failure);
    expect(result.stdout).toContain('kratos: reachable');
    expect(result.stdout).toContain('source hr: FAILED: hr: POST');
    expect(result.stdout).toContain(
      'HTTP 401: BambooHR refused the API key; create one (your photo > API Keys) and set connection.apiKey',
    );
    expect(result.stdout + result.stderr).not.toContain('a-revoked-bamboo-key-000');
  });
});
