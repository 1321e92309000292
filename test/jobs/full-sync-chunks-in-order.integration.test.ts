import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import type { PersonSyncResult } from '../../jobs/person-sync.ts';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { people, person } from '../sync/engine-harness.ts';
import { waitFor } from '../queue/helpers.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LEAVER = 300;

describe('a full sync apply chunks and ordinary person events', () => {
  it('run in the order they arrived, and a leaver still goes first', async () => {
    const everyone = people(LEAVER);
    // Kratos's client waits long enough for the slow answers below.
    const h = (harness = await startRuntimeHarness({ people: everyone, kratos: { timeoutMs: 10_000 } }));
    await h.startReplica();
    expect((await h.waitForJob(await h.enqueueFullSync(), 90_000)).state).toBe('completed');

    // The next run updates people 1-200: two apply chunks of 100.
    const updated = everyone.map((p, i) =>
      i < 200 ? { ...p, department: 'Ops', updated: '2026-07-01T00:00:00Z' } : p,
    );
    h.writePeople(updated);
    // Kratos answers slowly while the run plans, so the workers are stopped before its chunks are added
    // and events can arrive before them. (Each answer takes 1 s: the test's few Redis round trips below must
    // beat the rest of the planning even on a loaded machine; at 100 ms they could lose.)
    h.sim.setFaults({ latencyMs: 1_000 });
    const fullSync = await h.enqueueFullSync();
    await waitFor(
      'the full sync to start planning',
      async () => (await h.queue.getJobState(fullSync)) === 'active',
    );
    await h.queue.pause();
    const ordinary = (n: number) =>
      enqueuePersonSync(h.queue, { source: 'hr', key: person(n).id, receivedAt: new Date().toISOString() });
    const events: string[] = [];
    for (const n of [201, 202, 203, 204, 205]) events.push(await ordinary(n));
    const chunks = await waitFor(
      'the run to queue its apply chunks',
      async () => {
        const queued = (await h.queue.getJobs(['wait', 'prioritized'])).filter(
          (j) => j.name === 'sync.apply',
        );
        return (await h.queue.getJobState(fullSync)) === 'waiting-children' && queued.length === 2 && queued;
      },
      90_000,
    );
    for (const n of [206, 207, 208, 209, 210]) events.push(await ordinary(n));
    // Person 300 leaves after the run was planned (the run's chunks do not hold them).
    h.writePeople(
      updated.map((p, i) =>
        i + 1 === LEAVER ? { ...p, status: 'terminated', updated: '2026-07-02T00:00:00Z' } : p,
      ),
    );
    const leaver = await enqueuePersonSync(h.queue, {
      source: 'hr',
      key: person(LEAVER).id,
      receivedAt: new Date().toISOString(),
      leaver: true,
    });
    h.sim.setFaults({});
    await h.queue.resume();

    const run = await h.waitForJob(fullSync, 90_000);
    expect(run.state).toBe('completed');
    expect((run.job.returnvalue as SyncFullResult).counts.update).toMatchObject({
      planned: 200,
      applied: 200,
    });
    const done = await waitFor('every person event to finish', async () => {
      const jobs = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'person.sync');
      return jobs.length === events.length + 1 && jobs;
    });
    const chunkIds = new Set(chunks.map((j) => j.id));
    const completedChunks = (await h.queue.getJobs(['completed'])).filter((j) => chunkIds.has(j.id));
    expect(completedChunks).toHaveLength(chunks.length);

    const leaverJob = done.find((j) => j.id === leaver)!;
    const inOrder: Job[] = [...done.filter((j) => j.id !== leaver), ...completedChunks];
    expect(inOrder).toHaveLength(events.length + chunks.length);
    // Events arrived on both sides of the chunks (the setup this test is about).
    const chunksAdded = Math.min(...completedChunks.map((j) => j.timestamp));
    expect(inOrder.filter((j) => j.name === 'person.sync' && j.timestamp < chunksAdded)).toHaveLength(5);
    // The leaver was taken before any of them, though it arrived last.
    for (const job of inOrder) expect(leaverJob.processedOn!).toBeLessThanOrEqual(job.processedOn!);
    expect((leaverJob.returnvalue as PersonSyncResult).status).toBe('deactivated');
    // The rest in arrival order: whatever was added earlier was taken no later.
    for (const a of inOrder) {
      for (const b of inOrder) {
        if (a.timestamp < b.timestamp) {
          expect(a.processedOn!, `${a.name} ${a.id} was added before ${b.name} ${b.id}`).toBeLessThanOrEqual(
            b.processedOn!,
          );
        }
      }
    }
  });
});
