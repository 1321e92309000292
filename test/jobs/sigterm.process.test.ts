import { afterEach, describe, expect, it } from 'vitest';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { waitFor } from '../queue/helpers.ts';
import { people } from '../sync/engine-harness.ts';
import { spawnWorker, stopAll, waitForLine, writeConfigFile, type WorkerChild } from './process-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let harness: RuntimeHarness | undefined;
const children: WorkerChild[] = [];
afterEach(async () => {
  await stopAll(children.splice(0));
  await harness?.close();
  harness = undefined;
});

async function sigtermDuringChunk(options: { shutdownTimeout: string; latencyMs: number }) {
  const h = (harness = await startRuntimeHarness({
    people: people(200),
    kratos: { timeoutMs: 10_000 },
    config: {
      queue: {
        concurrency: 1,
        lockDuration: '10s',
        shutdownTimeout: options.shutdownTimeout,
        applyChunkSize: 50,
      },
      log: { level: 'info' },
    },
  }));
  const configFile = writeConfigFile(h.dir, h.configObject);
  const first = spawnWorker({ configFile, roles: 'worker', name: 'first' });
  children.push(first);
  await waitForLine(first, 'kratos-sync worker started');
  // Every Kratos answer takes this long, so the chunk is still writing when the signal comes.
  h.sim.setFaults({ latencyMs: options.latencyMs });
  const runJob = await h.enqueueFullSync();
  const chunk = await waitFor(
    'a chunk to be active',
    async () => (await h.queue.getJobs(['active'])).find((j) => j.name === 'sync.apply'),
    30_000,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${first.lines.slice(-15).join('\n')}`);
  });
  // Let the chunk's batch create reach Kratos, then ask the worker to stop.
  await new Promise((r) => setTimeout(r, 100));
  const signalled = Date.now();
  first.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  const exitedAfterMs = Date.now() - signalled;
  const afterExit = await h.queue.getJob(chunk.id!);
  const stateAfterExit = await afterExit!.getState();
  // Finish the run on a new worker: nothing of the stopped worker's share is lost.
  h.sim.setFaults({});
  const second = spawnWorker({ configFile, roles: 'worker', name: 'second' });
  children.push(second);
  const { job, state } = await h.waitForJob(runJob, 120_000);
  expect(state).toBe('completed');
  const result = job.returnvalue as SyncFullResult;
  expect(result.counts.create).toEqual({ planned: 200, applied: 200, failed: 0, skipped: 0 });
  const byExternalId = h.identitiesByExternalId();
  expect(byExternalId.size).toBe(200);
  expect([...byExternalId.values()].every((n) => n === 1)).toBe(true);
  return { h, first, chunk: afterExit!, stateAfterExit, exitedAfterMs };
}

// Two worker processes start one after the other and the waits above allow the run up to 120 s: the everyday
// 60 s would cut a slow but passing run short on a loaded machine, before those waits could say why.
describe('SIGTERM during a job', { timeout: 240_000 }, () => {
  it('lets the active job finish when it can within the shutdown timeout, then exits 0', async () => {
    const { stateAfterExit, first } = await sigtermDuringChunk({ shutdownTimeout: '30s', latencyMs: 400 });
    expect(stateAfterExit).toBe('completed');
    expect(first.lines.some((l) => l.includes('"finishedInTime":true'))).toBe(true);
  });

  it('returns a job that cannot finish in time to the queue, unharmed, and exits 0', async () => {
    const { stateAfterExit, chunk, first, exitedAfterMs } = await sigtermDuringChunk({
      shutdownTimeout: '1s',
      latencyMs: 2_500,
    });
    // Back among pending work with its priority (apply chunks share ordinary events' priority).
    expect(stateAfterExit).toBe('prioritized');
    expect(first.lines.some((l) => l.includes('shutdown: job returned to the queue unfinished'))).toBe(true);
    // The returned attempt did not count.
    expect(chunk.attemptsMade).toBe(0);
    expect(exitedAfterMs).toBeLessThan(10_000);
  });
});
