import { spawn } from 'node:child_process';
import path from 'node:path';

/** The CLI's TypeScript entry point (Node runs it directly). */
export const CLI_SOURCE_BIN = path.resolve(import.meta.dirname, '../../src/app/bin.ts');
/** The `bin` the npm package installs. */
export const CLI_PACKAGE_BIN = path.resolve(import.meta.dirname, '../../bin/kratos-sync.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI for real, in a fresh Node process whose environment holds only PATH and `env` (so nothing of
 * the test's own environment leaks into what is tested), and collects what it printed.
 */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string> = {},
  bin: string = CLI_SOURCE_BIN,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
