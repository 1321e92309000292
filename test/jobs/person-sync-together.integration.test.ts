import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import type { PersonSyncResult } from '../../jobs/person-sync.ts';
import { runtimeKeys } from '../../src/queue/runtime-keys.ts';
import { readAuditForPerson } from '../../src/store/audit-store.ts';
import { engineKeys } from '../../src/store/keys.ts';
import { people, person } from '../sync/engine-harness.ts';
import { waitFor } from '../queue/helpers.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

/**
 * Many `person.sync` jobs running at once in one worker share their lock script and their Kratos read
 * (src/queue/person-locks.ts, src/kratos/identity-loader.ts): each job must still get its own person's
 * identity, write only that person, audit only that person, and give its lock back.
 */
let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const COUNT = 16;
const keyOf = (n: number) => `E${String(n).padStart(5, '0')}`;

describe('person.sync: jobs running together', { timeout: 60_000 }, () => {
  it('each job syncs its own person, also when one index entry points at another person being synced, and a locked person waits', async () => {
    const h = (harness = await startRuntimeHarness({
      people: people(COUNT),
      config: { queue: { concurrency: 8, lockDuration: '5s', shutdownTimeout: '5s', applyChunkSize: 100 } },
    }));
    await h.startReplica(['worker']);
    expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');
    const identityOf = (n: number) =>
      [...h.sim.state.identities.values()].find((i) => i.external_id === `hr-${keyOf(n)}`)!;
    const byKey = engineKeys(h.prefix).markerByKey('hr');
    const own = identityOf(2).id;
    // E00002's entry names E00003's identity: both jobs may read that one id in the same request.
    await h.redis.hset(byKey, keyOf(2), identityOf(3).id);
    // Every even person moves to a department of their own.
    h.writePeople(
      people(COUNT).map((p, i) =>
        (i + 1) % 2 === 0
          ? person(i + 1, { department: `Dept${i + 1}`, updated: '2026-06-01T00:00:00Z' })
          : p,
      ),
    );
    const before = h.sim.stats().requests;
    // E00006 is held by someone else (a full-sync chunk, say): its job waits, the others of its batch go on.
    const heldLock = runtimeKeys(h.prefix).personLock('hr', keyOf(6));
    await h.redis.set(heldLock, 'a-full-sync-chunk', 'PX', 30_000);

    await h.queue.pause();
    const ids: string[] = [];
    for (let n = 1; n <= COUNT; n++)
      ids.push(
        await enqueuePersonSync(h.queue, {
          source: 'hr',
          key: keyOf(n),
          receivedAt: new Date().toISOString(),
        }),
      );
    await h.queue.resume();
    const others = await Promise.all(ids.filter((_, i) => i !== 5).map((id) => h.waitForJob(id)));
    expect(others.every(({ state }) => state === 'completed')).toBe(true);
    expect(await h.queue.getJobState(ids[5]!)).not.toBe('completed');
    expect((identityOf(6).traits as { department: string }).department).toBe('Engineering');
    await h.redis.del(heldLock);
    const done = await Promise.all(ids.map((id) => h.waitForJob(id)));

    done.forEach(({ state, job }, i) => {
      const n = i + 1;
      expect(state).toBe('completed');
      // A busy person's job is delayed without using an attempt, as a job alone would be.
      expect(job.attemptsMade).toBe(1);
      const result = job.returnvalue as PersonSyncResult;
      expect(result.status).toBe(n % 2 === 0 ? 'updated' : 'unchanged');
      expect(result.identityId).toBe(identityOf(n).id);
    });
    expect(done[1]!.job.returnvalue.identityId).toBe(own);
    for (let n = 1; n <= COUNT; n++) {
      const traits = identityOf(n).traits as { department: string };
      expect(traits.department).toBe(n % 2 === 0 ? `Dept${n}` : 'Engineering');
      const audit = await readAuditForPerson(h.redis, h.prefix, 'hr', keyOf(n));
      const fromJobs = audit.filter((entry) => entry.runId !== undefined && entry.action === 'update');
      // One update entry for each even person (the full sync wrote creates only), about that person.
      expect(fromJobs.map((entry) => [entry.key, entry.identityId])).toEqual(
        n % 2 === 0 ? [[keyOf(n), identityOf(n).id]] : [],
      );
    }
    expect(await h.redis.hget(byKey, keyOf(2))).toBe(own);
    const lockKeys = Array.from({ length: COUNT }, (_, i) =>
      runtimeKeys(h.prefix).personLock('hr', keyOf(i + 1)),
    );
    await waitFor('every person lock to be released', async () => (await h.redis.exists(...lockKeys)) === 0);

    // Never more Kratos reads than one per job (plus E00002's lookup by external id after its stale entry).
    const after = h.sim.stats().requests;
    const count = (route: string) =>
      Object.values(after[route] ?? {}).reduce((a, b) => a + b, 0) -
      Object.values(before[route] ?? {}).reduce((a, b) => a + b, 0);
    expect(count('GET /admin/identities') + count('GET /admin/identities/{id}')).toBeLessThanOrEqual(COUNT);
    expect(count('GET /admin/identities/by/external/{externalID}')).toBe(1);
  });
});
