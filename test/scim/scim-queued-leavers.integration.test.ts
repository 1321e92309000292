import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.ts';
import { createPersonLocks } from '../../src/queue/person-locks.ts';
import { startScimHarness, type ScimHarness } from './scim-harness.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The SCIM ids of the person.sync jobs in the plain wait list and in the prioritized set. */
async function queuedPeople(h: ScimHarness): Promise<{ waiting: string[]; prioritized: string[] }> {
  const keyOf = async (jobId: string) =>
    (JSON.parse((await h.redis.hget(`${h.prefix}:jobs:${jobId}`, 'data')) ?? '{}') as { key?: string }).key ??
    '';
  const waiting = await h.redis.lrange(`${h.prefix}:jobs:wait`, 0, -1);
  const prioritized = await h.redis.zrange(`${h.prefix}:jobs:prioritized`, '0', '-1');
  return {
    waiting: (await Promise.all(waiting.map(keyOf))).sort(),
    prioritized: (await Promise.all(prioritized.map(keyOf))).sort(),
  };
}

describe('SCIM endpoint: a write that cannot be applied now is queued', () => {
  it('as a leaver when the directory deactivated or deleted the user, as an ordinary event otherwise', async () => {
    // No worker role: a queued job stays where the queue put it.
    const h = await startScimHarness({ api: 'v26', roles: ['http'] });
    try {
      const ids: Record<string, string> = {};
      for (const name of ['deactivated', 'deleted', 'retitled']) {
        const created = await h.scim('POST', '/Users', {
          schemas: [CORE],
          userName: `${name}@example.com`,
          title: 'Engineer',
        });
        expect(created.status).toBe(201);
        ids[name] = String(created.body.id);
      }
      expect(h.identities().size).toBe(3);
      expect(await queuedPeople(h)).toEqual({ waiting: [], prioritized: [] });
      // A job works on the three people meanwhile (it holds their locks): the writes below cannot be applied
      // while the directory waits, so each is answered and queued — the same fallback as a Kratos slower
      // than syncTimeoutMs, down or rate limiting.
      const locks = createPersonLocks({
        redis: h.redis,
        prefix: h.prefix,
        logger: silentLogger(),
        ttlMs: 60_000,
      });
      const held = await locks.tryAcquire(
        Object.values(ids).map((key) => ({ source: 'directory', key })),
        'test-job',
      );
      expect(held).not.toBeNull();

      const off = await h.scim('PATCH', `/Users/${ids.deactivated}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(off.status).toBe(200);
      expect((await h.scim('DELETE', `/Users/${ids.deleted}`)).status).toBe(204);
      const retitled = await h.scim('PATCH', `/Users/${ids.retitled}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'title', value: 'Manager' }],
      });
      expect(retitled.status).toBe(200);

      // One job each: the two leavers' ahead of ordinary work, the retitled user's with it.
      const queued = await queuedPeople(h);
      expect(queued.waiting).toEqual([ids.deactivated, ids.deleted].sort());
      expect(queued.prioritized).toEqual([ids.retitled]);
      await held!.release();
    } finally {
      await h.release();
    }
  });
});
