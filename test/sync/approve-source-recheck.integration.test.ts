import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunStore } from '../../src/store/run-store.ts';
import { approveRun } from '../../src/sync/approve.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { ONE_BY_ONE_AT_MOST } from '../../src/sync/read-held-people.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';
import {
  type Harness,
  people,
  person,
  startHarness,
  simIdentitiesByKey,
  asHrApiRecord,
} from './engine-harness.ts';

// Approving a held run hours later: the source may have been fixed meanwhile. Each held person is read
// again from the (CSV) source before the removal is applied.
describe.each(['v26', 'v0.10'] as const)(
  'approve re-reads held people from the source on Kratos %s',
  (api) => {
    let harness: Harness | undefined;
    afterEach(async () => {
      await harness?.release();
      harness = undefined;
    });

    async function holdRemovalsOf(keep: number, total: number, source: Record<string, unknown> = {}) {
      const list = people(total);
      harness = await startHarness({
        api,
        people: list,
        source: { guard: { maxRemoveFraction: 0, maxRemoveCount: 0 }, ...source },
      });
      await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
      harness.writePeople(list.slice(0, keep));
      const held = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
      expect(held.status).toBe('held');
      expect(held.guard.held).toBe(total - keep);
      return { list, held, h: harness };
    }

    it('skips a person HR put back (active) and still deactivates one the export now marks terminated', async () => {
      const { list, held, h } = await holdRemovalsOf(3, 6);
      // HR fixes the export before anyone approves: E00005 is back, active; E00004 is back as terminated;
      // E00006 stays gone.
      h.writePeople([...list.slice(0, 3), person(4, { status: 'terminated' }), person(5)]);

      const approved = await approveRun(h.ctx, held.id);

      expect(approved).toMatchObject({ applied: 2, skipped: 1, failed: 0, status: 'completed' });
      const byKey = simIdentitiesByKey(h.sim);
      expect(byKey.get('E00005')?.state).toBe('active');
      expect(byKey.get('E00004')?.state).toBe('inactive');
      expect(byKey.get('E00006')?.state).toBe('inactive');
      const kept = approved.results.find((r) => r.action.key === 'E00005');
      expect(kept?.outcome).toBe('skipped');
      expect(kept?.note).toMatch(/source lists key "E00005" again and it keeps access/);
      expect(kept?.note).toMatch(/not deactivated/);
      const report = await createRunStore(h.redis, h.prefix).get(held.id);
      expect(report?.counts.deactivate).toMatchObject({ applied: 2, skipped: 1 });
      expect(report?.approval?.skippedItems).toEqual([
        expect.objectContaining({ kind: 'deactivate', key: 'E00005', reason: kept?.note }),
      ]);
    });

    it('removes no one the source cannot answer for, and says why', async () => {
      const { held, h } = await holdRemovalsOf(3, 5);
      rmSync(path.join(h.dir, 'people.csv')); // the export is gone when the approver acts
      const writes = h.writes();

      const approved = await approveRun(h.ctx, held.id);

      expect(approved).toMatchObject({ applied: 0, skipped: 2, failed: 0 });
      expect(h.writes()).toEqual(writes);
      for (const key of ['E00004', 'E00005']) {
        expect(simIdentitiesByKey(h.sim).get(key)?.state).toBe('active');
        const result = approved.results.find((r) => r.action.key === key);
        expect(result?.error?.code).toMatch(/^SYNC_ERR_SOURCE_/);
        expect(result?.error?.message).toMatch(/not deactivated on doubt/);
      }
      const report = await createRunStore(h.redis, h.prefix).get(held.id);
      expect(report?.approval?.skippedItems?.map((i) => i.code)).toEqual([
        expect.stringMatching(/^SYNC_ERR_SOURCE_/),
        expect.stringMatching(/^SYNC_ERR_SOURCE_/),
      ]);
    });

    it('does not delete an inactive leaver the source lists as active again before the deletion is approved', async () => {
      const { list, held, h } = await holdRemovalsOf(3, 4, { leaver: { policy: 'delete', graceDays: 1 } });
      // The held deactivation is approved; after the grace period the deletion is held in turn.
      const deactivated = await approveRun(h.ctx, held.id);
      expect(deactivated.applied).toBe(1);
      expect(simIdentitiesByKey(h.sim).get('E00004')?.state).toBe('inactive');
      h.clock.advanceDays(2);
      const deleting = await runFullSync(h.ctx, 'hr', { trigger: 'schedule' });
      expect(deleting.status).toBe('held');
      expect(deleting.counts.delete?.planned).toBe(1);
      h.writePeople(list); // E00004 is back

      const approved = await approveRun(h.ctx, deleting.id);

      expect(approved).toMatchObject({ applied: 0, skipped: 1 });
      expect(simIdentitiesByKey(h.sim).get('E00004')).toBeDefined();
      expect(approved.results[0]?.note).toMatch(/a sync now would reactivate.*not deleted/);
    });
  },
);

// An HTTP source without a single-record endpoint answers a lookup by reading every page: a large held run
// is checked in one read of the source, not one read per person.
describe('approve re-reads many held people from an HTTP source in one pass (v26)', () => {
  let harness: Harness | undefined;
  let api: FakeHrApi | undefined;
  afterEach(async () => {
    await harness?.release();
    await api?.close();
    harness = api = undefined;
  });

  async function heldOf(total: number, keep: number) {
    const list = people(total);
    api = await startFakeHrApi({
      people: list.map(asHrApiRecord),
      pagination: 'link-header',
      maxPageSize: 10,
    });
    harness = await startHarness({
      api: 'v26',
      people: [],
      source: {
        connection: {
          type: 'http-json',
          url: api.collectionUrl,
          itemsPath: 'data',
          pagination: { type: 'link-header' },
        },
        guard: { maxRemoveFraction: 0, maxRemoveCount: 0, maxSourceShrink: 0.9 },
      },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    api.people = list.slice(0, keep).map(asHrApiRecord);
    const held = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(held.guard.held).toBe(total - keep);
    expect(total - keep).toBeGreaterThan(ONE_BY_ONE_AT_MOST);
    return { list, held, h: harness, a: api };
  }

  it('reads the collection once, and still skips the person HR put back', async () => {
    const { list, held, h, a } = await heldOf(30, 5);
    a.people = [...list.slice(0, 5), person(10), person(11, { status: 'terminated' })].map(asHrApiRecord);
    const before = a.requests.length;

    const approved = await approveRun(h.ctx, held.id);

    expect(approved).toMatchObject({ applied: 24, skipped: 1, failed: 0 });
    expect(simIdentitiesByKey(h.sim).get('E00010')?.state).toBe('active');
    expect(simIdentitiesByKey(h.sim).get('E00011')?.state).toBe('inactive');
    expect(approved.results.find((r) => r.action.key === 'E00010')?.note).toMatch(/keeps access/);
    // 7 records at 10 a page: one page, read once (a lookup per person would have read it 25 times).
    expect(a.requests.slice(before).filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('removes no one the one read cannot rule out: an item it could not read could be anyone', async () => {
    const { list, held, h, a } = await heldOf(30, 5);
    a.people = [...list.slice(0, 5).map(asHrApiRecord), 42 as never, asHrApiRecord(person(10))];

    const approved = await approveRun(h.ctx, held.id);

    expect(approved).toMatchObject({ applied: 0, skipped: 25, failed: 0 });
    expect([...simIdentitiesByKey(h.sim).values()].every((i) => i.state === 'active')).toBe(true);
    const doubted = approved.results.find((r) => r.action.key === 'E00020');
    expect(doubted?.error?.code).toBe('SYNC_ERR_SOURCE_REFUSED');
    expect(doubted?.error?.message).toMatch(/could not be read.*not deactivated on doubt/);
    expect(approved.results.find((r) => r.action.key === 'E00010')?.note).toMatch(/keeps access/);
  });

  it('removes no one when the one read fails: the source refused it', async () => {
    const { held, h, a } = await heldOf(30, 5);
    a.inject({ status: 403 }, { times: 10 });

    const approved = await approveRun(h.ctx, held.id);

    expect(approved).toMatchObject({ applied: 0, skipped: 25, failed: 0 });
    expect([...simIdentitiesByKey(h.sim).values()].every((i) => i.state === 'active')).toBe(true);
    const doubted = approved.results.find((r) => r.action.key === 'E00020');
    expect(doubted?.error?.code).toBe('SYNC_ERR_SOURCE_REFUSED');
    expect(doubted?.error?.message).toMatch(/could not be read \(SYNC_ERR_SOURCE_REFUSED\).*on doubt/);
    const stored = await createRunStore(h.redis, h.prefix).get(held.id);
    expect(stored?.approval?.skippedItems).toHaveLength(25);
  });
});
