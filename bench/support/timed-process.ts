import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const TIME = '/usr/bin/time';

export interface ProcessSample {
  wallMs: number;
  rssMb: number;
  /** User + system CPU time of the process (`/usr/bin/time`, 10 ms resolution): steadier than wall on a busy box. */
  cpuMs: number;
}

/**
 * One Node process from start to exit, as a user times it: wall time from spawning to its exit, and its peak
 * RSS and CPU time as `/usr/bin/time` reads them (written to `rssFile`). A non-zero exit is an error quoting its stderr.
 */
export async function timedNodeProcess(
  args: readonly string[],
  rssFile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ProcessSample> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(TIME, ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
  const wallMs = performance.now() - started;
  const [kb, user, system] = readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wallMs, rssMb: kb! / 1024, cpuMs: (user! + system!) * 1000 };
}
