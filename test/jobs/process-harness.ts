import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const BIN = fileURLToPath(new URL('../../src/app/bin.ts', import.meta.url));

/** A `kratos-sync worker` child process, as an operator would run it, with its log lines kept. */
export interface WorkerChild {
  name: string;
  process: ChildProcess;
  lines: string[];
  /** Resolves with the exit code (or the signal's name) once the process ended and its output was read. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

export function writeConfigFile(
  dir: string,
  config: Record<string, unknown>,
  name = 'kratos-sync.yaml',
): string {
  const file = path.join(dir, name);
  writeFileSync(file, stringify(config));
  return file;
}

export function spawnWorker(options: { configFile: string; roles: string; name: string }): WorkerChild {
  const child = spawn(
    process.execPath,
    [BIN, '--config', options.configFile, 'worker', '--role', options.roles, '--name', options.name],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // 'close', not 'exit': the process can be gone while its last log lines are still in the pipes, and
  // tests read `lines` once this resolves.
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { name: options.name, process: child, lines, exited, kill: (signal) => void child.kill(signal) };
}

/** Wait until the child logged a line containing `text` (it started, it enqueued, …). */
export async function waitForLine(child: WorkerChild, text: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = child.lines.find((l) => l.includes(text));
    if (line) return line;
    if (child.process.exitCode !== null) {
      throw new Error(
        `${child.name} exited (${child.process.exitCode}) before logging "${text}":\n${child.lines.join('\n')}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`${child.name} did not log "${text}":\n${child.lines.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stop what is still running (tests end with every child gone, whatever happened). */
export async function stopAll(children: WorkerChild[]): Promise<void> {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.kill('SIGKILL');
    await child.exited;
  }
}
