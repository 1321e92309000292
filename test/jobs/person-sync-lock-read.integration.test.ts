import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import type { PersonSyncResult } from '../../jobs/person-sync.ts';
import { runtimeKeys } from '../../src/queue/runtime-keys.ts';
import { engineKeys } from '../../src/store/keys.ts';
import { people, person } from '../sync/engine-harness.ts';
import { waitFor } from '../queue/helpers.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

/**
 * A `person.sync` job reads the person's marker-index entry in the same script that takes the person's
 * lock, and sends the release without waiting for it: the lock is still given back, and an entry that is
 * stale by the time it is read is still checked against Kratos and repaired.
 */
let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function withSyncedPeople(count: number) {
  const h = (harness = await startRuntimeHarness({ people: people(count) }));
  await h.startReplica(['worker']);
  const { state } = await h.waitForJob(await h.enqueueFullSync());
  expect(state).toBe('completed');
  return h;
}

function identityOf(h: RuntimeHarness, key: string) {
  return [...h.sim.state.identities.values()].find((i) => i.external_id === `hr-${key}`);
}

const enqueue = (h: RuntimeHarness, key: string) =>
  enqueuePersonSync(h.queue, { source: 'hr', key, receivedAt: new Date().toISOString() });

describe('person.sync: lock and marker-index entry in one step', { timeout: 60_000 }, () => {
  it('gives the person lock back after each job, so the next job for the person runs at once', async () => {
    const h = await withSyncedPeople(3);
    const lock = runtimeKeys(h.prefix).personLock('hr', 'E00002');
    h.writePeople([
      person(1),
      person(2, { department: 'Sales', updated: '2026-06-01T00:00:00Z' }),
      person(3),
    ]);
    const first = await h.waitForJob(await enqueue(h, 'E00002'));
    expect(first.state).toBe('completed');
    expect((first.job.returnvalue as PersonSyncResult).status).toBe('updated');
    await waitFor('the person lock to be released', async () => (await h.redis.exists(lock)) === 0);

    h.writePeople([
      person(1),
      person(2, { department: 'Legal', updated: '2026-07-01T00:00:00Z' }),
      person(3),
    ]);
    const second = await h.waitForJob(await enqueue(h, 'E00002'));
    expect(second.state).toBe('completed');
    // Not delayed as "person busy" (which would move it to delayed and back, with a delay of 1 s).
    expect(second.job.attemptsMade).toBe(1);
    expect((second.job.returnvalue as PersonSyncResult).status).toBe('updated');
    expect((identityOf(h, 'E00002')!.traits as { department: string }).department).toBe('Legal');
    await waitFor('the person lock to be released', async () => (await h.redis.exists(lock)) === 0);
  });

  it('checks the entry it read with the lock against Kratos: a stale entry is dropped and the person found again', async () => {
    const h = await withSyncedPeople(3);
    const byKey = engineKeys(h.prefix).markerByKey('hr');
    const real = await h.redis.hget(byKey, 'E00002');
    expect(real).toBe(identityOf(h, 'E00002')!.id);
    // The entry points at another person's identity (its marker names E00003, not E00002).
    await h.redis.hset(byKey, 'E00002', identityOf(h, 'E00003')!.id);
    h.writePeople([
      person(1),
      person(2, { department: 'Sales', updated: '2026-06-01T00:00:00Z' }),
      person(3),
    ]);
    const { job, state } = await h.waitForJob(await enqueue(h, 'E00002'));
    expect(state).toBe('completed');
    expect((job.returnvalue as PersonSyncResult).status).toBe('updated');
    expect((job.returnvalue as PersonSyncResult).identityId).toBe(real);
    expect((identityOf(h, 'E00002')!.traits as { department: string }).department).toBe('Sales');
    expect((identityOf(h, 'E00003')!.traits as { department: string }).department).toBe('Engineering');
    expect(await h.redis.hget(byKey, 'E00002')).toBe(real);
  });
});
