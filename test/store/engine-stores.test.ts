import { describe, expect, it } from 'vitest';
import { prefix, redis } from '../support/redis-per-test.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { adminDigest } from '../../src/store/admin-digest.ts';
import {
  createAuditWriter,
  readAuditForPerson,
  readAuditForRun,
  type AuditEntry,
} from '../../src/store/audit-store.ts';
import { createMarkerIndex } from '../../src/store/marker-index.ts';
import { isRunId, newRunId } from '../../src/store/run-id.ts';
import { createRunStore } from '../../src/store/run-store.ts';
import { acquireSyncLock } from '../../src/store/sync-lock.ts';
import { newReport } from '../../src/domain/run-report.ts';

describe('run ids', () => {
  it('sort by start time as plain strings and are recognised', () => {
    const a = newRunId(new Date('2026-01-01T00:00:00.000Z'));
    const b = newRunId(new Date('2026-01-01T00:00:00.001Z'));
    const c = newRunId(new Date('2026-01-02T00:00:00.000Z'));
    expect([c, a, b].sort()).toEqual([a, b, c]);
    expect(isRunId(a)).toBe(true);
    expect(isRunId('../../etc')).toBe(false);
    expect(newRunId(new Date(0))).not.toBe(newRunId(new Date(0)));
  });
});

describe('run store', () => {
  const report = (source: string, at: string) =>
    newReport({ id: newRunId(new Date(at)), source, trigger: 'cli', dryRun: false, startedAt: new Date(at) });

  it('lists runs newest first, per source and overall, and keeps only the last N per source', async () => {
    const runs = createRunStore(redis, prefix, { keepRuns: 3 });
    const hr = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05'].map((d) =>
      report('hr', `${d}T00:00:00Z`),
    );
    const crm = report('crm', '2026-01-03T12:00:00Z');
    for (const r of [...hr, crm]) await runs.save(r);
    await runs.appendPlan(hr[0]!.id, [{ kind: 'create', key: 'E1', reason: 'new' }]);
    expect((await runs.list({ source: 'hr', limit: 10 })).map((r) => r.id)).toEqual(
      hr.map((r) => r.id).reverse(),
    );
    expect((await runs.list({ limit: 2 })).map((r) => r.id)).toEqual([hr[4]!.id, hr[3]!.id]);

    expect(await runs.prune('hr')).toBe(2);
    expect((await runs.list({ source: 'hr' })).map((r) => r.id)).toEqual([hr[4]!.id, hr[3]!.id, hr[2]!.id]);
    expect(await runs.get(hr[0]!.id)).toBeNull();
    expect((await runs.readPlan(hr[0]!.id)).total).toBe(0);
    expect(await runs.get(crm.id)).toMatchObject({ source: 'crm' });
  });

  it('keeps a held run that waits for a decision when pruning, and tells which run holds a person', async () => {
    const runs = createRunStore(redis, prefix, { keepRuns: 1 });
    const held = { ...report('hr', '2026-01-01T00:00:00Z'), status: 'held' as const };
    await runs.save(held);
    await runs.saveHeld(held.id, 'hr', [
      { kind: 'deactivate', key: 'E1', identityId: 'id-1', reason: 'left' },
    ]);
    for (const day of ['02', '03']) await runs.save(report('hr', `2026-01-${day}T00:00:00Z`));
    expect(await runs.prune('hr')).toBe(1);
    expect(await runs.get(held.id)).toMatchObject({ status: 'held' });
    expect(await runs.heldRunOf('hr', 'E1')).toBe(held.id);
    expect(await runs.heldRunOf('hr', 'E2')).toBeNull();
    expect(await runs.heldRunOf('crm', 'E1')).toBeNull();
    // Once decided it holds no one, and goes like any other run.
    expect(await runs.claimDecision(held.id, 'rejected')).toBe(true);
    await runs.save({ ...held, status: 'rejected' });
    expect(await runs.heldRunOf('hr', 'E1')).toBeNull();
    expect(await runs.prune('hr')).toBe(1);
    expect(await runs.get(held.id)).toBeNull();
  });

  it("forgets the people a run held once it is decided, leaving a newer run's hold of them", async () => {
    const runs = createRunStore(redis, prefix);
    const people = `${prefix}:held:hr:people`;
    const first = { ...report('hr', '2026-01-01T00:00:00Z'), status: 'held' as const };
    const second = { ...report('hr', '2026-01-02T00:00:00Z'), status: 'held' as const };
    const leaver = (key: string) => ({
      kind: 'deactivate' as const,
      key,
      identityId: `id-${key}`,
      reason: 'left',
    });
    await runs.save(first);
    // More than one write batch of people.
    await runs.saveHeld(
      first.id,
      'hr',
      Array.from({ length: 2500 }, (_, i) => leaver(`E${i}`)),
    );
    await runs.save(second);
    await runs.saveHeld(second.id, 'hr', [leaver('E7')]);
    expect(await redis.hlen(people)).toBe(2500);

    expect(await runs.claimDecision(first.id, 'approved')).toBe(true);
    expect(await redis.hgetall(people)).toEqual({ E7: second.id });
    expect(await runs.heldRunOf('hr', 'E7')).toBe(second.id);

    expect(await runs.claimDecision(second.id, 'rejected')).toBe(true);
    expect(await redis.exists(people)).toBe(0);
  });

  it('drops an entry left by a run decided or removed before, when it is read or the run is pruned', async () => {
    const runs = createRunStore(redis, prefix, { keepRuns: 1 });
    const people = `${prefix}:held:hr:people`;
    const old = report('hr', '2026-01-01T00:00:00Z');
    await runs.save(old);
    await redis.hset(people, 'E1', old.id, 'E2', 'run-long-gone');
    await redis.set(`${prefix}:run:${old.id}:held`, JSON.stringify([{ kind: 'deactivate', key: 'E1' }]));
    expect(await runs.heldRunOf('hr', 'E2')).toBeNull();
    expect(await redis.hexists(people, 'E2')).toBe(0);
    await runs.save(report('hr', '2026-01-02T00:00:00Z'));
    expect(await runs.prune('hr')).toBe(1);
    expect(await redis.exists(people)).toBe(0);
  });

  it('pages through a large plan and decides a run only once', async () => {
    const runs = createRunStore(redis, prefix);
    const id = newRunId(new Date());
    await runs.appendPlan(
      id,
      Array.from({ length: 2500 }, (_, i) => ({ kind: 'create' as const, key: `E${i}`, reason: 'new' })),
    );
    const page = await runs.readPlan(id, { offset: 2000, limit: 1000 });
    expect(page.total).toBe(2500);
    expect(page.entries).toHaveLength(500);
    expect(page.entries[0]!.key).toBe('E2000');
    expect(await runs.claimDecision(id, 'approved')).toBe(true);
    expect(await runs.claimDecision(id, 'rejected')).toBe(false);
  });
});

describe('audit trail', () => {
  const entry = (runId: string, key: string, action = 'update'): AuditEntry => ({
    at: '2026-01-01T00:00:00.000Z',
    runId,
    source: 'hr',
    key,
    identityId: `id-${key}`,
    action,
    changed: ['traits.name.last', 'traits.a,b'],
    outcome: 'applied',
  });

  it("reads back a run's entries from its spans and a person's newest first", async () => {
    const audit = createAuditWriter(redis, prefix);
    const first = await audit.record([entry('run-a', 'E1'), entry('run-a', 'E2', 'create')]);
    await audit.record([entry('run-b', 'E1', 'deactivate')]);
    const second = await audit.record([
      {
        ...entry('run-a', 'E3'),
        outcome: 'failed',
        error: { code: 'SYNC_ERR_KRATOS_CONFLICT', message: 'x' },
      },
    ]);

    const run = await readAuditForRun(redis, prefix, {
      id: 'run-a',
      source: 'hr',
      auditRanges: [{ from: first!.from, to: second!.to }],
    });
    expect(run.map((e) => `${e.key}:${e.action}:${e.outcome}`)).toEqual([
      'E1:update:applied',
      'E2:create:applied',
      'E3:update:failed',
    ]);
    expect(run[2]!.error).toEqual({ code: 'SYNC_ERR_KRATOS_CONFLICT', message: 'x' });
    expect(run[0]!.changed).toEqual(['traits.name.last', 'traits.a,b']);

    const e1 = await readAuditForPerson(redis, prefix, 'hr', 'E1');
    expect(e1.map((e) => e.runId)).toEqual(['run-b', 'run-a']);
  });

  it('caps what it keeps per person', async () => {
    const audit = createAuditWriter(redis, prefix, { maxPerPerson: 3 });
    for (let i = 0; i < 5; i++) await audit.record([entry(`run-${i}`, 'E1')]);
    expect((await readAuditForPerson(redis, prefix, 'hr', 'E1')).map((e) => e.runId)).toEqual([
      'run-4',
      'run-3',
      'run-2',
    ]);
  });
});

describe('marker index', () => {
  it('maps identities to markers and keys to identities, and forgets both on remove', async () => {
    const index = createMarkerIndex(redis, prefix, 'hr');
    await index.put('id-1', {
      marker: { source: 'hr', key: 'E1', version: '3' },
      adminDigest: adminDigest({ a: 1 }),
    });
    await index.putMany([{ identityId: 'id-2', marker: { source: 'hr', key: 'E2' } }]);
    expect(await index.get('id-1')).toEqual({
      marker: { source: 'hr', key: 'E1', version: '3' },
      adminDigest: adminDigest({ a: 1 }),
    });
    expect(await index.identityIdOf('E2')).toBe('id-2');
    expect(await index.count()).toBe(2);
    await index.remove('id-1');
    expect(await index.get('id-1')).toBeNull();
    expect(await index.identityIdOf('E1')).toBeNull();
    const all = [];
    for await (const [id] of index.entries()) all.push(id);
    expect(all).toEqual(['id-2']);
  });

  it('digests admin metadata independently of key order, with null and {} alike', () => {
    expect(adminDigest({ a: 1, b: { c: 2, d: 3 } })).toBe(adminDigest({ b: { d: 3, c: 2 }, a: 1 }));
    expect(adminDigest(null)).toBe(adminDigest({}));
    expect(adminDigest({ a: 1 })).not.toBe(adminDigest({ a: '1' }));
  });

  it('reads the entries of many identities at once, leaving out those it has none for', async () => {
    const index = createMarkerIndex(redis, prefix, 'hr');
    await index.putMany([
      { identityId: 'id-1', marker: { source: 'hr', key: 'E1' } },
      { identityId: 'id-3', marker: { source: 'hr', key: 'E3', version: '2' } },
    ]);
    const found = await index.getMany(['id-1', 'id-2', 'id-3']);
    expect([...found.keys()]).toEqual(['id-1', 'id-3']);
    expect(found.get('id-3')?.marker).toEqual({ source: 'hr', key: 'E3', version: '2' });
    expect((await index.getMany([])).size).toBe(0);
  });

  it('remembers identities read and found unmarked until they change', async () => {
    const index = createMarkerIndex(redis, prefix, 'hr');
    await index.rememberUnmarked('id-9', '2026-01-01T00:00:00Z');
    expect(await index.isKnownUnmarked('id-9', '2026-01-01T00:00:00Z')).toBe(true);
    expect(await index.isKnownUnmarked('id-9', '2026-01-02T00:00:00Z')).toBe(false);
  });
});

describe('sync lock', () => {
  const options = () => ({ redis, prefix, source: 'hr', logger: silentLogger(), holder: 'run-1' });

  it('lets one holder in at a time and is free again once released', async () => {
    const lock = await acquireSyncLock(options());
    await expect(acquireSyncLock({ ...options(), holder: 'run-2' })).rejects.toMatchObject({
      code: 'SYNC_ERR_RUN_LOCKED',
    });
    await lock.release();
    const again = await acquireSyncLock({ ...options(), holder: 'run-2' });
    await again.release();
  });

  it('is renewed while held, and signals when it is lost', async () => {
    // Renewed every ttl/3: 1.5 s leaves a second of slack per renewal (300 ms left 200 ms, which one stalled
    // event loop on a loaded machine can use up).
    const lock = await acquireSyncLock({ ...options(), ttlMs: 1_500 });
    const key = `${prefix}:lock:sync:hr`;
    // Outlive the TTL twice: renewal keeps it.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      expect(await redis.exists(key)).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lock.lost.aborted).toBe(false);
    await redis.set(key, 'someone-else');
    await new Promise<void>((resolve) =>
      lock.lost.addEventListener('abort', () => resolve(), { once: true }),
    );
    expect(lock.lost.reason).toMatchObject({ code: 'SYNC_ERR_RUN_LOCKED' });
    await lock.release();
    expect(await redis.get(key)).toBe('someone-else');
  });
});
