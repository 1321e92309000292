import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-files.ts';
import { expectSuccess, listedCommands, npmEnv, runCommand } from './run-command.ts';

// A new user's checkout: a git clone (no dist/, nothing built) whose node_modules is what `npm ci` installs
// (here: this checkout's, linked). `npx kratos-sync` must run the CLI from there, as the README says.
const work = mkdtempSync(path.join(tmpdir(), 'kratos-sync-clone-'));
const clone = path.join(work, 'kratos-sync');

beforeAll(async () => {
  expectSuccess(
    await runCommand('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone], {
      cwd: work,
      timeoutMs: 120_000,
    }),
    'git clone',
  );
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
}, 150_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kratos-sync in a fresh clone', () => {
  it('`npx kratos-sync --help` runs the CLI from source (no build) with every command', async () => {
    expect(existsSync(path.join(clone, 'dist'))).toBe(false);
    const env = { ...npmEnv(), npm_config_cache: path.join(work, 'npm-cache'), npm_config_yes: 'true' };
    const help = expectSuccess(
      await runCommand('npx', ['kratos-sync', '--help'], { cwd: clone, env, timeoutMs: 180_000 }),
      'npx kratos-sync --help',
    );
    const fromSource = expectSuccess(
      await runCommand(process.execPath, ['src/app/bin.ts', '--help'], { cwd: clone, timeoutMs: 60_000 }),
      'node src/app/bin.ts --help',
    );
    const commands = listedCommands(help.stdout);
    expect(commands).toContain('sync');
    expect(commands).toEqual(listedCommands(fromSource.stdout));
    expect(help.stdout).toContain('Usage: kratos-sync');
  }, 200_000);

  it('a command that fails says why and exits non-zero through the same bin', async () => {
    const result = await runCommand(
      process.execPath,
      ['bin/kratos-sync.js', '--config', path.join(work, 'missing.yaml'), 'check-config'],
      { cwd: clone, timeoutMs: 60_000 },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.yaml');
  }, 70_000);
});
