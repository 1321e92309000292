import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildContext } from '../../src/app/build-context.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { addJob } from '../../src/queue/job-queue.ts';
import { newRunId } from '../../src/store/run-id.ts';
import { runStoreFor } from '../../src/sync/apply-deps.ts';
import { createChunkStore } from '../../jobs/full-sync/chunk-store.ts';
import { planRun } from '../../jobs/full-sync/plan-run.ts';
import { syncFullJob } from '../../jobs/sync-full.ts';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { waitFor } from '../queue/helpers.ts';
import { people, simIdentitiesByKey } from '../sync/engine-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

// The waits below allow a run up to 90 s (and the outage test 30 s more for the pause): the everyday 60 s
// would cut a slow but passing run short on a loaded machine, before those waits could say why.
describe('sync.full through the queue', { timeout: 180_000 }, () => {
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
    // Job data holds identifiers only: no trait value of anyone reached a job.
    for (const j of await h.queue.getJobs(['completed'])) {
      expect(JSON.stringify(j.data)).not.toMatch(/example\.com|First\d|Last\d|Engineering/);
      expect(Object.keys(j.data).sort()).toEqual(
        j.name === 'sync.apply'
          ? ['chunk', 'plan', 'runId', 'source']
          : ['runId', 'source', 'stage', 'startedAt', 'trigger'],
      );
    }
    // The chunk data (personal data in Redis) is gone once the run is done.
    expect(await h.redis.keys(`${h.prefix}:run:${result.runId}:apply*`)).toEqual([]);
    // A second run changes nothing.
    const again = await h.waitForJob(await h.enqueueFullSync());
    expect((again.job.returnvalue as SyncFullResult).chunks).toBe(0);
    expect((again.job.returnvalue as SyncFullResult).status).toBe('partial');
  });

  it('resumes the plan a run already settled on when its plan step runs again (after a crash)', async () => {
    const h = (harness = await startRuntimeHarness({ people: people(30) }));
    // A plan step got as far as claiming the run, then its worker died before enqueuing the chunks.
    const runId = newRunId(new Date());
    const ctx = { ...(await contextOf(h)) };
    const planned = await planRun(ctx.ctx, 'hr', { runId, trigger: 'api', startedAt: new Date() });
    const chunks = createChunkStore({ redis: h.redis, prefix: h.prefix, ttlMs: 60_000 });
    const claim = await chunks.writeAndClaim(
      runId,
      'abcd1234',
      [planned.apply.slice(0, 20), planned.apply.slice(20)],
      planned.report,
    );
    await ctx.release();
    // Meanwhile the source changed; the run must still apply the plan it settled on, not plan again.
    h.writePeople(people(45));
    await h.startReplica();
    const id = await addJob(h.queue, syncFullJob, {
      source: 'hr',
      trigger: 'api',
      runId,
      startedAt: planned.report.startedAt,
    });
    const { job, state } = await h.waitForJob(id);
    expect(state).toBe('completed');
    const result = job.returnvalue as SyncFullResult;
    expect(result).toMatchObject({ runId, chunks: 2 });
    expect(result.counts.create).toEqual({ planned: 30, applied: 30, failed: 0, skipped: 0 });
    expect(h.identitiesByExternalId().size).toBe(30);
    const applied = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'sync.apply');
    expect(applied.map((j) => j.data.plan)).toEqual([claim.plan, claim.plan]);
  });

  it('treats an empty source read by sync.full as incomplete: nobody is removed and the stored run says why', async () => {
    const h = (harness = await startRuntimeHarness({
      people: people(30),
      source: { guard: { maxRemoveFraction: 1, maxRemoveCount: 1000 } },
    }));
    await h.startReplica();
    expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');
    h.writePeople([]);
    const { job, state } = await h.waitForJob(await h.enqueueFullSync());
    expect(state).toBe('completed');
    const result = job.returnvalue as SyncFullResult;
    expect(result.status).toBe('partial');
    const report = await runStoreFor({ redis: h.redis, config: h.config } as never).get(result.runId);
    expect(report?.snapshot).toMatchObject({ complete: false, records: 0 });
    expect(report?.snapshot.error).toMatchObject({ code: 'SYNC_ERR_SOURCE_SUSPECT' });
    expect(report?.guard.blocked).toBe(30);
    expect([...h.sim.state.identities.values()].every((i) => i.state === 'active')).toBe(true);
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

  it('reports the people an apply chunk that gave up still held as failed, with the code of its last failure', async () => {
    const list = people(30);
    const h = (harness = await startRuntimeHarness({ people: list }));
    const first = await h.startReplica();
    expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');
    // The next run creates one person and updates two; Kratos refuses every update with 429.
    for (const i of [1, 4]) list[i] = { ...list[i]!, department: 'Ops', updated: '2026-07-01T00:00:00Z' };
    h.writePeople([...list, ...people(1, 31)]);
    h.sim.setFaults({
      rateLimitRate: 1,
      routes: ['PATCH /admin/identities/{id}', 'PUT /admin/identities/{id}'],
    });
    const id = await h.enqueueFullSync();
    const chunks = createChunkStore({ redis: h.redis, prefix: h.prefix, ttlMs: 60_000 });
    const chunkJob = await waitFor(
      'the chunk to keep the two refused updates for its next attempt',
      async () => {
        const job = (await h.queue.getJobs(['wait', 'active', 'delayed', 'prioritized'])).find(
          (j) => j.name === 'sync.apply',
        );
        if (!job) return false;
        const left = await chunks.leftovers(job.data as { runId: string; plan: string; chunk: number });
        return left.remaining.length === 2 && left.failureCode === 'SYNC_ERR_KRATOS_RATE_LIMITED' && job;
      },
    );
    await first.close();
    // Its attempts running out would take minutes of backoff (10 attempts from 2 s): the chunk's last
    // attempt is ended here instead, through BullMQ's manual processing API, failing it for good as a worker
    // does when no attempt is left. Everything before (what it settled, what it kept, why) is the real job's.
    const giver = new Worker(h.queue.name, null, {
      connection: { url: inject('redisUrl') },
      prefix: h.prefix,
    });
    const token = 'test-last-attempt';
    try {
      const taken = await waitFor('the chunk to be taken for its last attempt', async () => {
        if (await chunkJob.isDelayed()) await chunkJob.promote().catch(() => undefined);
        return ((await giver.getNextJob(token)) as Job | undefined) ?? false;
      });
      expect(taken.id).toBe(chunkJob.id);
      await taken.moveToFailed(
        new UnrecoverableError('SYNC_ERR_KRATOS_RATE_LIMITED: no attempt left'),
        token,
      );
    } finally {
      await giver.close();
    }
    h.sim.setFaults({});
    await h.startReplica();
    const { job, state } = await h.waitForJob(id, 90_000);
    expect(state).toBe('completed');
    const result = job.returnvalue as SyncFullResult;
    expect(result.counts.create).toEqual({ planned: 1, applied: 1, failed: 0, skipped: 0 });
    expect(result.counts.update).toEqual({ planned: 2, applied: 0, failed: 2, skipped: 0 });
    expect(result.status).toBe('partial');
    const report = await runStoreFor({ redis: h.redis, config: h.config } as never).get(result.runId);
    expect(report?.failures.items.map((f) => [f.key, f.error.code]).sort()).toEqual([
      ['E00002', 'SYNC_ERR_KRATOS_RATE_LIMITED'],
      ['E00005', 'SYNC_ERR_KRATOS_RATE_LIMITED'],
    ]);
    for (const item of report?.failures.items ?? []) {
      expect(item.error.message).toMatch(/^apply chunk 0 gave up: /);
    }
    expect(report?.error).toBeUndefined();
    // The people it held were not changed in Kratos, and the chunk's data is gone with the run.
    const inKratos = simIdentitiesByKey(h.sim);
    for (const key of ['E00002', 'E00005']) {
      expect(inKratos.get(key)?.traits).toBeDefined();
      expect(inKratos.get(key)?.traits).not.toMatchObject({ department: 'Ops' });
    }
    expect(await h.redis.keys(`${h.prefix}:run:${result.runId}:apply*`)).toEqual([]);
  });

  it('pauses while Kratos answers 503 and finishes when it is back, without burning attempts', async () => {
    const h = (harness = await startRuntimeHarness({ people: people(300) }));
    const replica = await h.startReplica();
    // Kratos goes down after the run was planned: the apply chunks meet the outage. Its answers are slowed
    // until then, so a chunk is still pending when the poll looks (at full speed three chunks of 100 could
    // finish between two polls, and the outage would then meet no chunk at all).
    h.sim.setFaults({ latencyMs: 100 });
    let planned = false;
    const id = await h.enqueueFullSync();
    const plannedBy = Date.now() + 60_000;
    while (!planned) {
      planned = (await h.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed'])).some(
        (j) => j.name === 'sync.apply',
      );
      if (!planned && Date.now() > plannedBy) throw new Error('no sync.apply chunk was seen pending');
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

async function contextOf(h: RuntimeHarness) {
  return await buildContext({ config: h.config, baseDir: h.dir, logger: silentLogger(), redis: h.redis });
}

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
