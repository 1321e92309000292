import { afterEach, describe, expect, it } from 'vitest';
import { runStoreFor } from '../../src/sync/apply-deps.ts';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { waitFor } from '../queue/helpers.ts';
import { people } from '../sync/engine-harness.ts';
import { spawnWorker, stopAll, waitForLine, writeConfigFile, type WorkerChild } from './process-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

const PEOPLE = 3_000;
let harness: RuntimeHarness | undefined;
const children: WorkerChild[] = [];
afterEach(async () => {
  await stopAll(children.splice(0));
  await harness?.close();
  harness = undefined;
});

// Three worker processes start, one dies and its chunk waits out the stalled check; the run is allowed the
// 180 s waited for below, which the everyday 60 s would cut short on a loaded machine.
describe('three worker processes share a full sync', { timeout: 300_000 }, () => {
  it(`syncs ${PEOPLE} people exactly once although one worker is SIGKILLed mid-run`, async () => {
    // The test process holds the simulator, the CSV and the producer; the workers are real processes.
    const h = (harness = await startRuntimeHarness({
      people: people(PEOPLE),
      config: {
        // A killed worker's job comes back after about lockDuration (short here to keep the test quick, long
        // enough that a busy 2-core machine does not take a slow plan step for a dead worker).
        queue: { concurrency: 2, lockDuration: '8s', shutdownTimeout: '5s', applyChunkSize: 100 },
        log: { level: 'info' },
      },
    }));
    // Slow enough that a chunk is in flight when the kill comes.
    h.sim.setFaults({ latencyMs: 60 });
    const configFile = writeConfigFile(h.dir, {
      ...h.configObject,
      sources: {
        hr: {
          ...(h.configObject.sources as { hr: object }).hr,
          connection: { type: 'csv', path: 'people.csv' },
        },
      },
    });
    for (const name of ['w1', 'w2', 'w3']) {
      const child = spawnWorker({ configFile, roles: 'worker', name });
      children.push(child);
    }
    for (const child of children) await waitForLine(child, 'kratos-sync worker started');

    const runJob = await h.enqueueFullSync();
    // Kill w2 while it is applying a chunk.
    const victim = await waitFor(
      'w2 to be applying a chunk',
      async () => {
        const active = await h.queue.getJobs(['active']);
        return active.find((j) => j.name === 'sync.apply' && j.processedBy === 'w2');
      },
      60_000,
    );
    children[1]!.kill('SIGKILL');
    expect(await children[1]!.exited).toBe('SIGKILL');

    const { job, state } = await h.waitForJob(runJob, 180_000);
    expect(state).toBe('completed');
    const result = job.returnvalue as SyncFullResult;
    expect(result.chunks).toBe(PEOPLE / 100);
    expect(result.counts.create).toEqual({ planned: PEOPLE, applied: PEOPLE, failed: 0, skipped: 0 });

    // Nothing lost, nothing duplicated.
    const byExternalId = h.identitiesByExternalId();
    expect(byExternalId.size).toBe(PEOPLE);
    expect([...byExternalId.values()].filter((n) => n !== 1)).toEqual([]);

    // The killed worker's chunk came back through the stalled check and was finished by another worker.
    const rerun = await h.queue.getJob(victim.id!);
    expect(await rerun!.getState()).toBe('completed');
    expect(rerun!.processedBy).not.toBe('w2');
    // Every surviving worker took part.
    const chunks = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'sync.apply');
    const workers = new Set(chunks.map((c) => c.processedBy));
    expect(workers.has('w1') && workers.has('w3')).toBe(true);
    const report = await runStoreFor({ redis: h.redis, config: h.config } as never).get(result.runId);
    expect(report?.status).toBe('completed');
    expect(report?.failures.total).toBe(0);
  });
});
