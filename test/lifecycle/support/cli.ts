import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

const REPO = path.resolve(import.meta.dirname, '../../..');

/** A config file for source `hr` (CSV; the runbook never reads it) against the simulator and test Redis. */
export function writeConfig(options: {
  adminUrl: string;
  redisUrl: string;
  prefix: string;
  extra?: object;
}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kratos-sync-cli-'));
  writeFileSync(path.join(dir, 'people.csv'), 'employee_id,email\n');
  const config = {
    kratos: {
      adminUrl: options.adminUrl,
      publicUrl: options.adminUrl,
      concurrency: 32,
      retry: { minDelayMs: 20, maxDelayMs: 500 },
    },
    redis: { url: options.redisUrl, prefix: options.prefix },
    sources: {
      hr: {
        connection: { type: 'csv', path: 'people.csv' },
        mapping: { key: 'employee_id', schemaId: '"employee"', traits: '{ "email": email }' },
      },
    },
    queue: { concurrency: 32 },
    log: { level: 'info' },
    ...options.extra,
  };
  const file = path.join(dir, 'kratos-sync.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `kratos-sync <args>` as a child process (the real binary, TypeScript run by Node directly). */
export async function runCliProcess(
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(REPO, 'src/app/bin.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, KRATOS_SYNC_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  // 'close', not 'exit': the process can be gone while the last of its output is still in the pipes.
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
