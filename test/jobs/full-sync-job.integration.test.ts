import { afterEach, describe, expect, it } from 'vitest';
import { runStoreFor } from '../../src/sync/apply-deps.ts';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { people } from '../sync/engine-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('sync.full through the queue', () => {
  it('plans once, applies its chunks on every replica, and stores one complete report', async () => {
    const list = people(450);
    const h = (harness = await startRuntimeHarness({
      people: list,
      extraLines: ['E99999,Bad,Record,not-an-email,,active,'],
    }));
    await h.startReplica(['worker'], 'replica-a');
    await h.startReplica(['worker'], 'replica-b');
    const id = await h.enqueueFullSync();
    const { job, state } = await h.waitForJob(id);
    expect(state).toBe('completed');
    const result = job.returnvalue as SyncFullResult;
    expect(result.chunks).toBe(5);
    expect(result.status).toBe('partial');
    expect(result.counts.create).toEqual({ planned: 450, applied: 450, failed: 0, skipped: 0 });
    expect(result.quarantined).toBe(1);
    // Everyone exists exactly once.
    const byExternalId = h.identitiesByExternalId();
    expect(byExternalId.size).toBe(450);
    expect([...byExternalId.values()].every((n) => n === 1)).toBe(true);
    // The chunks ran on both replicas.
    const chunks = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'sync.apply');
    expect(chunks).toHaveLength(5);
    expect(new Set(chunks.map((c) => c.processedBy)).size).toBe(2);
    // The report in the run store is the finished one, with the Kratos calls of both halves.
    const report = await runStoreFor({ redis: h.redis, config: h.config } as never).get(result.runId);
    expect(report?.status).toBe('partial');
    expect(report?.counts.create?.applied).toBe(450);
    expect(report?.kratosCalls.byOperation).toMatchObject({ batchCreateIdentities: expect.any(Number) });
    expect(report?.auditRanges.length).toBe(5);
    // The chunk data (personal data in Redis) is gone once the run is done.
    expect(await h.redis.keys(`${h.prefix}:run:${result.runId}:apply*`)).toEqual([]);
    // A second run changes nothing.
    const again = await h.waitForJob(await h.enqueueFullSync());
    expect((again.job.returnvalue as SyncFullResult).chunks).toBe(0);
    expect((again.job.returnvalue as SyncFullResult).status).toBe('partial');
  });

  it('does not start a second run of a source while one is pending or running', async () => {
    const h = (harness = await startRuntimeHarness({ people: people(20) }));
    const first = await h.enqueueFullSync();
    const second = await h.enqueueFullSync();
    expect(second).toBe(first);
    await h.startReplica();
    await h.waitForJob(first);
    const third = await h.enqueueFullSync();
    expect(third).not.toBe(first);
  });

  it('pauses while Kratos answers 503 and finishes when it is back, without burning attempts', async () => {
    const h = (harness = await startRuntimeHarness({ people: people(300) }));
    const replica = await h.startReplica();
    // Kratos goes down after the run was planned: the apply chunks meet the outage.
    let planned = false;
    const id = await h.enqueueFullSync();
    while (!planned) {
      planned = (await h.queue.getJobs(['waiting', 'active', 'delayed'])).some(
        (j) => j.name === 'sync.apply',
      );
      if (!planned) await new Promise((r) => setTimeout(r, 5));
    }
    h.sim.setFaults({ unavailable: true });
    const pausedSeen = await waitForMetric(replica, 'kratos_sync_kratos_available 0');
    expect(pausedSeen).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    h.sim.setFaults({});
    const { job, state } = await h.waitForJob(id, 90_000);
    expect(state).toBe('completed');
    const result = job.returnvalue as SyncFullResult;
    expect(result.counts.create).toEqual({ planned: 300, applied: 300, failed: 0, skipped: 0 });
    expect([...h.identitiesByExternalId().values()].every((n) => n === 1)).toBe(true);
    const chunks = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'sync.apply');
    // Within the attempt budget: the outage cost no chunk more than one counted attempt beyond its success.
    for (const chunk of chunks) expect(chunk.attemptsMade).toBeLessThanOrEqual(2);
    const metrics = await replica.metrics.registry.metrics();
    expect(metrics).toMatch(/kratos_sync_jobs_total\{type="sync.apply",outcome="paused"\} [1-9]/);
  });
});

async function waitForMetric(
  replica: { metrics: { registry: { metrics(): Promise<string> } } },
  line: string,
) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await replica.metrics.registry.metrics()).includes(line)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
