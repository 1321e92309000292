import { afterEach, describe, expect, it } from 'vitest';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createPersonLocks } from '../../src/queue/person-locks.ts';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import type { PersonSyncResult } from '../../jobs/person-sync.ts';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { people, person } from '../sync/engine-harness.ts';
import { waitFor } from '../queue/helpers.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

const SECRET = 'hr-webhook-secret-for-tests';
let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function withSyncedPeople(count: number) {
  const h = (harness = await startRuntimeHarness({
    people: people(count),
    source: { webhook: { secret: SECRET, personKey: 'employee.id' } },
  }));
  const replica = await h.startReplica(['worker', 'http']);
  const { state } = await h.waitForJob(await h.enqueueFullSync());
  expect(state).toBe('completed');
  return { h, replica };
}

function identityOf(h: RuntimeHarness, key: string) {
  return [...h.sim.state.identities.values()].find((i) => i.external_id === `hr-${key}`);
}

async function completedPersonJobs(h: RuntimeHarness, key: string) {
  return (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'person.sync' && j.data.key === key);
}

/** One signed change event for `key`, as the HR system would send it. */
async function postEvent(
  replica: Awaited<ReturnType<RuntimeHarness['startReplica']>>,
  key: string,
  extra: Record<string, unknown> = {},
) {
  const body = JSON.stringify({ employee: { id: key }, ...extra });
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await replica.http!.inject({
    method: 'POST',
    url: '/webhooks/hr',
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-timestamp': String(timestamp),
      'x-signature': signGenericInboundWebhook(SECRET, timestamp, body),
    },
  });
  return res.statusCode;
}

describe('person.sync', () => {
  it("makes a signed webhook for someone a held full run would remove wait for that run's decision", async () => {
    const list = people(10);
    const h = (harness = await startRuntimeHarness({
      people: list,
      source: {
        webhook: { secret: SECRET, personKey: 'employee.id' },
        guard: { maxRemoveFraction: 0.1, maxRemoveCount: 100 },
      },
    }));
    const replica = await h.startReplica(['worker', 'http']);
    expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');
    h.writePeople(list.filter((p) => p.id !== 'E00001' && p.id !== 'E00005'));
    const held = (await h.waitForJob(await h.enqueueFullSync())).job.returnvalue as SyncFullResult;
    expect(held.status).toBe('held');

    expect(await postEvent(replica, 'E00005')).toBe(202);
    const [job] = await waitFor('the person job to finish', async () => {
      const done = await completedPersonJobs(h, 'E00005');
      return done.length > 0 ? done : false;
    });
    expect(job!.returnvalue as PersonSyncResult).toMatchObject({ status: 'held', runId: held.runId });
    expect(identityOf(h, 'E00005')?.state).toBe('active');
  });

  it('turns 100 webhooks for one person into one or two syncs, and the last change lands', async () => {
    const { h, replica } = await withSyncedPeople(10);
    h.writePeople([
      ...people(4),
      person(5, { last: 'Renamed', updated: '2026-06-01T00:00:00Z' }),
      ...people(5, 6),
    ]);
    // Kratos answers slowly while the events arrive, so a sync outlasts the burst: one sync active and one
    // more kept is the most deduplication allows then. (At full speed a loaded machine could finish two syncs
    // while the burst is still coming in, and a third would rightly follow.)
    h.sim.setFaults({ latencyMs: 1_000 });
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => postEvent(replica, 'E00005', { seq: i })),
    );
    h.sim.setFaults({});
    expect(statuses.every((s) => s === 202)).toBe(true);
    await waitFor('the person to be updated', () => {
      const traits = identityOf(h, 'E00005')?.traits as { name?: { last?: string } } | undefined;
      return traits?.name?.last === 'Renamed';
    });
    await waitFor('the person jobs to settle', async () => {
      const pending = await h.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed']);
      return pending.every((j) => j.name !== 'person.sync');
    });
    const runs = await completedPersonJobs(h, 'E00005');
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    expect((runs[0]!.returnvalue as PersonSyncResult).status).toMatch(/^(updated|unchanged)$/);
  });

  it('waits while the person is locked by another job, without using attempts', async () => {
    const { h } = await withSyncedPeople(5);
    h.writePeople([
      person(1),
      person(2, { department: 'Sales', updated: '2026-06-01T00:00:00Z' }),
      ...people(3, 3),
    ]);
    const locks = createPersonLocks({
      redis: h.redis,
      prefix: h.prefix,
      logger: silentLogger(),
      ttlMs: 10_000,
    });
    const held = await locks.tryAcquire([{ source: 'hr', key: 'E00002' }], 'a-full-sync-chunk');
    const id = await enqueuePersonSync(h.queue, {
      source: 'hr',
      key: 'E00002',
      receivedAt: new Date().toISOString(),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await h.queue.getJobState(id)).toMatch(/^(delayed|waiting|active)$/);
    expect((identityOf(h, 'E00002')!.traits as { department: string }).department).toBe('Engineering');
    await held!.release();
    const { job, state } = await h.waitForJob(id);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect((job.returnvalue as PersonSyncResult).status).toBe('updated');
    expect((identityOf(h, 'E00002')!.traits as { department: string }).department).toBe('Sales');
  });

  it('does not let an event with an older record version overwrite newer data', async () => {
    const { h } = await withSyncedPeople(3);
    h.writePeople([person(1), person(2, { last: 'Older', updated: '2025-01-01T00:00:00Z' }), person(3)]);
    const id = await enqueuePersonSync(h.queue, {
      source: 'hr',
      key: 'E00002',
      receivedAt: new Date().toISOString(),
    });
    const { job, state } = await h.waitForJob(id);
    expect(state).toBe('completed');
    expect((job.returnvalue as PersonSyncResult).status).toBe('stale');
    expect((identityOf(h, 'E00002')!.traits as { name: { last: string } }).name.last).toBe('Last2');
  });

  it('fails the job with the reason when the record is invalid, and retries nothing', async () => {
    const { h } = await withSyncedPeople(3);
    h.writePeople([
      person(1),
      person(2, { email: 'not-an-email', updated: '2026-06-01T00:00:00Z' }),
      person(3),
    ]);
    const id = await enqueuePersonSync(h.queue, {
      source: 'hr',
      key: 'E00002',
      receivedAt: new Date().toISOString(),
    });
    const { job, state } = await h.waitForJob(id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^SYNC_ERR_RECORD_INVALID: record E00002 of source hr: /);
    expect(job.failedReason).not.toContain('not-an-email');
  });

  it('fails a job for a source the configuration no longer has at once, saying which exist', async () => {
    const { h } = await withSyncedPeople(1);
    const id = await enqueuePersonSync(h.queue, {
      source: 'payroll',
      key: 'E1',
      receivedAt: new Date().toISOString(),
    });
    const { job, state } = await h.waitForJob(id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe('SYNC_ERR_JOB_PAYLOAD: unknown source "payroll" (configured: "hr")');
  });
});
