import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MARKER_FIELD } from '../../src/domain/ownership-marker.ts';
import { startKratosSim } from '../kratos-sim/index.ts';
import { COMPOSE_SCIM_TOKEN, composeConfigFor } from './compose-config.ts';
import { devOnlyPackages } from './lockfile.ts';
import { readRepoJson, REPO_ROOT } from './repo-files.ts';
import { expectSuccess, listedCommands, npmEnv, runCommand } from './run-command.ts';

// The package as a user gets it: `npm pack` (prepack builds dist/), then the tarball installed with production
// dependencies only into an empty folder, and its `kratos-sync` bin run from there. Slow on a busy machine:
// npm resolves ~100 packages (from the local cache where it can).
const NPM_TIMEOUT_MS = 300_000;

const work = mkdtempSync(path.join(tmpdir(), 'kratos-sync-pack-'));
const installDir = path.join(work, 'install');
let tarball = '';
let tarballFiles: string[] = [];

beforeAll(
  async () => {
    const packed = expectSuccess(
      await runCommand('npm', ['pack', '--pack-destination', work], {
        cwd: REPO_ROOT,
        env: npmEnv(),
        timeoutMs: NPM_TIMEOUT_MS,
      }),
      'npm pack',
    );
    const name = readdirSync(work).find((file) => file.endsWith('.tgz'));
    if (!name) throw new Error(`npm pack wrote no tarball\n${packed.stdout}\n${packed.stderr}`);
    tarball = path.join(work, name);
    const listing = expectSuccess(
      await runCommand('tar', ['-tzf', tarball], { cwd: work, timeoutMs: 30_000 }),
      'tar',
    );
    tarballFiles = listing.stdout.split('\n').filter(Boolean);

    // An empty project of its own (its package.json stops npm from looking further up for one).
    mkdirSync(installDir);
    writeFileSync(
      path.join(installDir, 'package.json'),
      JSON.stringify({ name: 'install-check', private: true }),
    );
    expectSuccess(
      await runCommand('npm', ['install', '--omit=dev', '--no-save', tarball], {
        cwd: installDir,
        env: npmEnv(),
        timeoutMs: NPM_TIMEOUT_MS,
      }),
      'npm install --omit=dev <tarball>',
    );
  },
  2 * NPM_TIMEOUT_MS + 60_000,
);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('contains the compiled CLI and no sources, tests or local files', () => {
    expect(tarballFiles).toContain('package/package.json');
    expect(tarballFiles).toContain('package/dist/src/app/bin.js');
    // The bin is the shim that runs dist/ when it exists (always, in the package).
    expect(tarballFiles).toContain('package/bin/kratos-sync.js');
    for (const file of tarballFiles) {
      expect(file).toMatch(
        /^package\/(dist\/(src|jobs)\/|config\/|bin\/kratos-sync\.js$|README\.md$|package\.json$|LICENSE)/,
      );
      expect(file).not.toMatch(/\.ts$/);
    }
  });

  it('compiles every relative import to a .js path (a .ts import would fail at run time)', () => {
    const packaged = path.join(installDir, 'node_modules', 'kratos-sync', 'dist');
    const files = readdirSync(packaged, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    expect(files.length).toBeGreaterThan(100);
    const tsImports = files.flatMap((file) =>
      [
        ...readFileSync(path.join(packaged, file), 'utf8').matchAll(
          /(?:from|import\()\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g,
        ),
      ].map((match) => `${file}: ${match[1]}`),
    );
    expect(tsImports).toEqual([]);
  });

  it('installs with production dependencies only', () => {
    const has = (name: string) => existsSync(path.join(installDir, 'node_modules', name));
    const pkg = readRepoJson<{ dependencies: Record<string, string> }>('package.json');
    for (const dependency of Object.keys(pkg.dependencies)) expect(has(dependency), dependency).toBe(true);
    const devOnly = devOnlyPackages();
    expect(devOnly).toContain('vitest');
    for (const dev of devOnly) expect(has(dev), dev).toBe(false);
  });

  it('runs its kratos-sync bin and lists the same commands as the source CLI', async () => {
    const bin = path.join(installDir, 'node_modules', '.bin', 'kratos-sync');
    const installedHelp = expectSuccess(
      await runCommand(bin, ['--help'], { cwd: installDir, env: npmEnv(), timeoutMs: 60_000 }),
      'kratos-sync --help',
    );
    const sourceHelp = expectSuccess(
      await runCommand(process.execPath, ['src/app/bin.ts', '--help'], { cwd: REPO_ROOT, timeoutMs: 60_000 }),
      'node src/app/bin.ts --help',
    );
    const commands = listedCommands(installedHelp.stdout);
    expect(commands).toContain('check-config');
    expect(commands).toEqual(listedCommands(sourceHelp.stdout));
    expect(installedHelp.stdout).toContain('Usage: kratos-sync');
  });

  it('validates a config with the installed CLI and points at the broken option', async () => {
    const bin = path.join(installDir, 'node_modules', '.bin', 'kratos-sync');
    const config = path.join(work, 'broken.yaml');
    writeFileSync(
      config,
      'kratos:\n  adminUrl: not-a-url\nredis:\n  url: redis://127.0.0.1:6379\nsources: {}\n',
    );
    const result = await runCommand(bin, ['--config', config, 'check-config'], {
      cwd: installDir,
      env: npmEnv(),
      timeoutMs: 60_000,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('kratos.adminUrl');
  });

  it('syncs the compose sample into Kratos (the simulator) from the installed package; a second sync writes nothing', async () => {
    // The compose stack's identity schema and kratos-sync config, pointed at this test's Redis and Kratos.
    const schema = readRepoJson('config/kratos/identity.employee.schema.json');
    await using kratos = await startKratosSim({ api: 'v26', schemas: { employee: schema } });
    const config = composeConfigFor({
      adminUrl: kratos.adminUrl,
      publicUrl: kratos.publicUrl,
      redisUrl: inject('redisUrl'),
      redisPrefix: `{npm-package-${process.pid}-${Date.now()}}`,
      outboxDir: path.join(work, 'outbox'),
    });
    config.log = { level: 'warn' };
    const file = path.join(work, 'compose-sample.yaml');
    writeFileSync(file, stringifyYaml(config));

    const bin = path.join(installDir, 'node_modules', '.bin', 'kratos-sync');
    // Async on purpose: the simulator answers from this process's event loop.
    const sync = async () => {
      const result = expectSuccess(
        await runCommand(bin, ['--config', file, 'sync', '--source', 'hr', '--json'], {
          cwd: installDir,
          env: {
            ...npmEnv(),
            KRATOS_SYNC_HTTP_PASSWORD: 'test-only',
            SCIM_TOKEN: COMPOSE_SCIM_TOKEN,
          },
          timeoutMs: 120_000,
        }),
        'kratos-sync sync',
      );
      const reports = JSON.parse(result.stdout) as Array<Record<string, any>>;
      expect(reports).toHaveLength(1);
      return reports[0]!;
    };

    const first = await sync();
    expect(first.status).toBe('completed');
    expect(first.counts.create).toMatchObject({ planned: 7, applied: 7, failed: 0 });
    const identities = [...kratos.state.identities.values()];
    // Every active employee of the CSV; the leaver (E1006) is never created.
    expect(identities.map((identity) => identity.external_id).sort()).toEqual([
      'E1001',
      'E1002',
      'E1003',
      'E1004',
      'E1005',
      'E1007',
      'E1008',
    ]);
    for (const identity of identities) {
      expect(identity.schema_id).toBe('employee');
      expect(identity.state).toBe('active');
      expect((identity.metadata_admin as Record<string, unknown>)[MARKER_FIELD]).toMatchObject({
        source: 'hr',
        key: identity.external_id,
      });
    }
    const ada = identities.find((identity) => identity.external_id === 'E1001')!;
    expect(ada.traits).toMatchObject({
      email: 'ada.lovelace@example.com',
      name: { first: 'Ada', last: 'Lovelace' },
    });

    const second = await sync();
    expect(second.status).toBe('completed');
    expect(second.unchanged).toBe(7);
    expect(second.counts.create?.applied ?? 0).toBe(0);
    expect(kratos.state.identities.size).toBe(7);
  }, 300_000); // two CLI processes, each allowed 120 s: more than the everyday 60 s per test
});
