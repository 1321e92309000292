import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import type { PersonSyncResult } from '../../jobs/person-sync.ts';
import { people, person } from '../sync/engine-harness.ts';
import { waitFor } from '../queue/helpers.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

const SECRET = 'hr-webhook-secret-for-tests';
let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type Replica = Awaited<ReturnType<RuntimeHarness['startReplica']>>;

/** One signed event for `key`, as the HR system sends it; `type` says what happened. */
async function postEvent(replica: Replica, key: string, type: string) {
  const body = JSON.stringify({ type, employee: { id: key } });
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
  expect(res.statusCode).toBe(202);
  return res.json<{ jobId: string }>().jobId;
}

const keyOf = (n: number) => person(n).id;

describe('person.sync: leavers first', () => {
  it('runs a leaver event ahead of a backlog of ordinary events, also one that joins a waiting job', async () => {
    const everyone = people(40);
    const h = (harness = await startRuntimeHarness({
      people: everyone,
      source: {
        webhook: { secret: SECRET, personKey: 'employee.id', leaverEvent: 'type = "employee.terminated"' },
      },
    }));
    const replica = await h.startReplica(['worker', 'http']);
    expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');

    // The workers take nothing while the backlog builds: 30 ordinary events, then two leavers — one with no
    // job queued yet, one (person 5) whose ordinary event already waits in the backlog.
    await h.queue.pause();
    for (let n = 1; n <= 30; n++) await postEvent(replica, keyOf(n), 'employee.updated');
    h.writePeople(
      everyone.map((p, i) =>
        i + 1 === 40 || i + 1 === 5 ? { ...p, status: 'terminated', updated: '2026-06-01T00:00:00Z' } : p,
      ),
    );
    const leaverJob = await postEvent(replica, keyOf(40), 'employee.terminated');
    const joinedJob = await postEvent(replica, keyOf(5), 'employee.terminated');
    // What an operator sees meanwhile: the ordinary events as `prioritized`, the two leavers as `waiting`.
    const metrics = (await replica.http!.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^kratos_sync_queue_jobs\{state="prioritized"\} 29$/m);
    expect(metrics).toMatch(/^kratos_sync_queue_jobs\{state="waiting"\} 2$/m);
    await h.queue.resume();

    await waitFor('every person job to finish', async () => {
      const done = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'person.sync');
      return done.length === 31 ? done : false;
    });
    const done = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'person.sync');
    const started = (job: Job | undefined) => job?.processedOn ?? Number.POSITIVE_INFINITY;
    const leavers = done.filter((j) => j.id === leaverJob || j.id === joinedJob);
    const ordinary = done.filter((j) => j.id !== leaverJob && j.id !== joinedJob);
    expect(leavers).toHaveLength(2);
    expect(ordinary).toHaveLength(29);
    // Both leavers were taken before any of the 29 ordinary events that were queued ahead of them.
    const firstOrdinary = Math.min(...ordinary.map(started));
    for (const job of leavers) expect(started(job)).toBeLessThanOrEqual(firstOrdinary);
    // Only the order changed: each job read the person from the source and deactivated them.
    for (const job of leavers) expect((job.returnvalue as PersonSyncResult).status).toBe('deactivated');
    for (const n of [5, 40]) {
      const identity = [...h.sim.state.identities.values()].find((i) => i.external_id === `hr-${keyOf(n)}`);
      expect(identity?.state).toBe('inactive');
    }
  });
});
