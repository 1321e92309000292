import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { sourceSection } from '../sync/engine-harness.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const SHIM = path.join(REPO, 'bin/kratos-sync.js');
const PRETEND_OLDER_NODE = path.join(import.meta.dirname, 'fixtures/pretend-older-node.mjs');
const PROJECT_NODE = path.join(REPO, '.tools/node24/node_modules/.bin/node');

/** The pids whose parent is `pid` (Linux /proc): the Node 24 the shim handed over to. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (in parentheses): state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const dirs: string[] = [];
const handedOver: number[] = [];
const shims: ChildProcess[] = [];
afterEach(() => {
  // Whatever the outcome, no process is left behind (on the old shim, the worker outlived it).
  for (const pid of handedOver.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const shim of shims.splice(0))
    if (shim.exitCode === null && shim.signalCode === null) shim.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `kratos-sync worker --role scheduler` through the bin shim, as on a machine whose `node` is older than 24. */
async function startWorkerThroughShim() {
  expect(existsSync(PROJECT_NODE), `${PROJECT_NODE} (bash scripts/ensure-env.sh installs it)`).toBe(true);
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-shim-'));
  dirs.push(dir);
  const config = path.join(dir, 'kratos-sync.yaml');
  writeFileSync(
    config,
    stringify({
      kratos: { adminUrl: 'http://127.0.0.1:4434' },
      redis: { url: inject('redisUrl'), prefix: `{ks-shim-${randomBytes(4).toString('hex')}}` },
      sources: { hr: sourceSection() },
      log: { level: 'info' },
    }),
  );
  const shim = spawn(
    process.execPath,
    ['--import', PRETEND_OLDER_NODE, SHIM, '--config', config, 'worker', '--role', 'scheduler'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1' } },
  );
  shims.push(shim);
  let output = '';
  shim.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shim.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    shim.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await until('the worker to start', () => output.includes('kratos-sync worker started'));
  const [worker, ...others] = childrenOf(shim.pid!);
  expect(others, 'the shim runs one child').toEqual([]);
  handedOver.push(worker!);
  // The shim can be gone while the worker's last lines are still in the pipes (and the worker, sharing them,
  // closes its end when it ends): read the output once both pipes have ended.
  const outputEnded = () =>
    until('the output to end', () => shim.stdout.readableEnded && shim.stderr.readableEnded, 10_000);
  return { shim, worker: worker!, exited, outputEnded, output: () => output };
}

// Each test allows the worker 60 s to start, then 10 s for the output to end and 10 s for it to be gone:
// more than the everyday 60 s per test.
describe('the bin shim handing over to Node 24', { timeout: 120_000 }, () => {
  it('passes SIGTERM on to the worker, which shuts down gracefully; the shim exits with its code', async () => {
    const run = await startWorkerThroughShim();
    run.shim.kill('SIGTERM');
    const { code, signal } = await run.exited;
    await run.outputEnded();
    expect({ code, signal }, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
    expect(run.output()).toContain('"msg":"stopped"');
    await until('the worker process to end', () => !alive(run.worker), 10_000);
  });

  it('passes SIGINT on when it does not come from a terminal (here: no terminal at all)', async () => {
    const run = await startWorkerThroughShim();
    run.shim.kill('SIGINT');
    const { code, signal } = await run.exited;
    await run.outputEnded();
    expect({ code, signal }, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/"signal":"SIGINT".*"msg":"shutting down"/);
    await until('the worker process to end', () => !alive(run.worker), 10_000);
  });

  it('passes SIGHUP on: the worker ends with it (no graceful shutdown) and is not left running', async () => {
    const run = await startWorkerThroughShim();
    run.shim.kill('SIGHUP');
    const { code, signal } = await run.exited;
    await run.outputEnded();
    // The shim ends the way the worker ended: killed by the same signal.
    expect({ code, signal }, run.output()).toEqual({ code: null, signal: 'SIGHUP' });
    expect(run.output()).not.toContain('"msg":"shutting down"');
    await until('the worker process to end', () => !alive(run.worker), 10_000);
  });
});
