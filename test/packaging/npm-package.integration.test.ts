import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(tarballFiles).toContain('package/dist/src/cli/bin.js');
    for (const file of tarballFiles) {
      expect(file).toMatch(/^package\/(dist\/(src|jobs)\/|config\/|README\.md$|package\.json$|LICENSE)/);
      expect(file).not.toMatch(/\.ts$/);
    }
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
      await runCommand(process.execPath, ['src/cli/bin.ts', '--help'], { cwd: REPO_ROOT, timeoutMs: 60_000 }),
      'node src/cli/bin.ts --help',
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
});
