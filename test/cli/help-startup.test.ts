import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { cliParts } from '../../src/app/cli-parts.ts';
import { commandLoaders } from '../../src/cli/commands/index.ts';
import { listedCommands } from '../packaging/run-command.ts';

const BIN = path.resolve(import.meta.dirname, '../../src/app/bin.ts');
const RECORDER = path.resolve(import.meta.dirname, 'fixtures/record-loaded-modules.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'ks-help-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Packages a command loads in its action only: `--help` (and every command's own `--help`) must not pay for
 * them. The CLI builds its program from every command module, so one heavy import at the top of any
 * command file shows up here.
 */
const HEAVY = [
  'bullmq',
  'ioredis',
  'fastify',
  '@bull-board/api',
  '@bull-board/fastify',
  'nodemailer',
  'ajv',
  'jsonata',
  'undici',
  'luxon',
  'prom-client',
  'pino',
  'zod',
  'yaml',
  'csv-parse',
  'cli-table3',
  'node-cron',
];

async function runHelp(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; packages: Set<string> }> {
  const out = path.join(work, `loaded-${args.join('-')}.txt`);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, ['--import', RECORDER, BIN, ...args], {
        env: { ...process.env, KS_LOADED_MODULES_OUT: out, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stdout, stderr }));
    },
  );
  expect(code, stderr).toBe(0);
  const packages = new Set<string>();
  for (const url of readFileSync(out, 'utf8').split('\n')) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match) packages.add(match[1]!);
  }
  return { stdout, packages };
}

describe('kratos-sync --help (spawned from source)', () => {
  it('lists every registered command', async () => {
    const program = new Command();
    for (const load of commandLoaders) (await load()).register(program, cliParts);
    const registered = program.commands.map((command) => command.name());
    expect(registered.length).toBeGreaterThanOrEqual(10);
    const { stdout } = await runHelp(['--help']);
    expect(listedCommands(stdout)).toEqual(registered);
  }, 30_000);

  it('loads commander and no heavy package (they load inside the command that uses them)', async () => {
    const { packages } = await runHelp(['--help']);
    expect(packages).toContain('commander');
    expect(HEAVY.filter((name) => packages.has(name))).toEqual([]);
  }, 30_000);

  it.each([['sync'], ['worker'], ['offboard'], ['failed']])(
    '`%s --help` loads no heavy package either',
    async (command) => {
      const { stdout, packages } = await runHelp([command, '--help']);
      expect(stdout).toContain(`Usage: kratos-sync ${command}`);
      expect(HEAVY.filter((name) => packages.has(name))).toEqual([]);
    },
    30_000,
  );

  it('keeps compiled code in the OS temp folder, unless NODE_DISABLE_COMPILE_CACHE=1', async () => {
    const withCache = mkdtempSync(path.join(work, 'tmp-'));
    await runHelp(['--help'], { TMPDIR: withCache, NODE_COMPILE_CACHE: undefined });
    expect(readdirSync(path.join(withCache, 'node-compile-cache')).length).toBeGreaterThan(0);
    const without = mkdtempSync(path.join(work, 'tmp-'));
    await runHelp(['--help'], {
      TMPDIR: without,
      NODE_COMPILE_CACHE: undefined,
      NODE_DISABLE_COMPILE_CACHE: '1',
    });
    expect(existsSync(path.join(without, 'node-compile-cache'))).toBe(false);
  }, 30_000);
});
