import { afterEach, describe, expect, it } from 'vitest';
import { createRunStore } from '../../src/store/run-store.ts';
import { approveRun, rejectRun } from '../../src/sync/approve.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { syncPerson } from '../../src/sync/sync-person.ts';
import { people, simIdentitiesByKey, startHarness, type Harness } from './engine-harness.ts';

const stateOf = (harness: Harness, key: string) => simIdentitiesByKey(harness.sim).get(key)?.state;

describe.each(['v26', 'v0.10'] as const)('single-person removals and the guard on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  /** A full run holds the removal of E00001 and E00005 (2 of 10, over maxRemoveFraction 0.1). */
  async function heldFullRun() {
    const list = people(10);
    const h = (harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 0.1, maxRemoveCount: 100 } },
    }));
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    h.writePeople(list.filter((p) => p.id !== 'E00001' && p.id !== 'E00005'));
    const held = await runFullSync(h.ctx, 'hr', { trigger: 'schedule' });
    expect(held.status).toBe('held');
    return { h, held };
  }

  it('makes a webhook removal of someone in a held run wait for that run: approve applies it', async () => {
    const { h, held } = await heldFullRun();
    const outcome = await syncPerson(h.ctx, 'hr', 'E00005', { trigger: 'webhook' });
    expect(outcome).toMatchObject({ status: 'held', runId: held.id });
    expect(outcome.reason).toContain(held.id);
    expect(stateOf(h, 'E00005')).toBe('active');
    // No second run was opened for it: the full run's decision is the one that counts.
    const ids = (await createRunStore(h.redis, h.prefix).list({ source: 'hr' })).map((r) => r.id);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(held.id);

    expect((await approveRun(h.ctx, held.id)).applied).toBe(2);
    expect(stateOf(h, 'E00005')).toBe('inactive');
    expect(stateOf(h, 'E00001')).toBe('inactive');
  });

  it('makes a webhook removal of someone in a held run wait for that run: reject drops it', async () => {
    const { h, held } = await heldFullRun();
    const outcome = await syncPerson(h.ctx, 'hr', 'E00005', { trigger: 'webhook' });
    expect(outcome.status).toBe('held');
    const writes = h.writes();
    await rejectRun(h.ctx, held.id);
    expect(h.writes()).toEqual(writes);
    expect(stateOf(h, 'E00005')).toBe('active');
    expect(stateOf(h, 'E00001')).toBe('active');
  });

  it('holds event removals beyond guard.maxEventRemovals per eventWindow in one run, which approve applies', async () => {
    const list = people(8);
    const h = (harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 1, maxEventRemovals: 2, eventWindow: '1h' } },
    }));
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    const leavers = ['E00001', 'E00002', 'E00003', 'E00004', 'E00005'];
    h.writePeople(list.filter((p) => !leavers.includes(p.id)));

    const outcomes = [];
    for (const key of leavers) outcomes.push(await syncPerson(h.ctx, 'hr', key, { trigger: 'webhook' }));
    expect(outcomes.map((o) => o.status)).toEqual(['deactivated', 'deactivated', 'held', 'held', 'held']);
    const runId = outcomes[2]!.runId;
    expect(outcomes[3]!.runId).toBe(runId);
    expect(outcomes[4]!.runId).toBe(runId);
    expect(outcomes[2]!.reason).toMatch(/maxEventRemovals 2/);
    expect(leavers.map((k) => stateOf(h, k))).toEqual(['inactive', 'inactive', 'active', 'active', 'active']);

    // The run is listed like any held run, and a repeated event for a held person joins it only once.
    const again = await syncPerson(h.ctx, 'hr', 'E00004', { trigger: 'webhook' });
    expect(again).toMatchObject({ status: 'held', runId });
    const runs = createRunStore(h.redis, h.prefix);
    const run = await runs.get(runId);
    expect(run).toMatchObject({ status: 'held', trigger: 'webhook', guard: { held: 3 } });
    expect(run?.guard.reason).toMatch(/maxEventRemovals/);
    expect((await runs.readHeld(runId)).map((a) => a.key).sort()).toEqual(['E00003', 'E00004', 'E00005']);
    expect((await runs.readPlan(runId)).total).toBe(3);

    const approved = await approveRun(h.ctx, runId);
    expect(approved).toMatchObject({ applied: 3, status: 'completed' });
    expect(leavers.map((k) => stateOf(h, k))).toEqual(Array(5).fill('inactive'));
  });

  it('lets event removals through again once the window has passed, and opens a new hold after a decision', async () => {
    const list = people(8);
    const h = (harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 1, maxEventRemovals: 1, eventWindow: '1h' } },
    }));
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    h.writePeople(list.slice(4));
    expect((await syncPerson(h.ctx, 'hr', 'E00001', { trigger: 'webhook' })).status).toBe('deactivated');
    const held = await syncPerson(h.ctx, 'hr', 'E00002', { trigger: 'webhook' });
    expect(held.status).toBe('held');
    await rejectRun(h.ctx, held.runId);

    h.clock.now = new Date(h.clock.now.getTime() + 61 * 60_000);
    expect((await syncPerson(h.ctx, 'hr', 'E00002', { trigger: 'webhook' })).status).toBe('deactivated');
    const next = await syncPerson(h.ctx, 'hr', 'E00003', { trigger: 'webhook' });
    expect(next.status).toBe('held');
    expect(next.runId).not.toBe(held.runId);
  });

  it('never loses a removal that joins an event hold while the hold is being approved', async () => {
    const list = people(14);
    const h = (harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 1, maxEventRemovals: 0 } },
    }));
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    const leavers = list.slice(0, 12).map((p) => p.id);
    h.writePeople(list.slice(12));
    const first = await syncPerson(h.ctx, 'hr', leavers[0]!, { trigger: 'webhook' });
    expect(first.status).toBe('held');

    await Promise.all([
      approveRun(h.ctx, first.runId),
      ...leavers.slice(1).map((key) => syncPerson(h.ctx, 'hr', key, { trigger: 'webhook' })),
    ]);
    // Each leaver is either removed (approved with the first hold) or waits in an undecided hold.
    const runs = createRunStore(h.redis, h.prefix);
    for (const key of leavers) {
      const waiting = await runs.heldRunOf('hr', key);
      expect({ key, settled: stateOf(h, key) === 'inactive' || waiting !== null }).toEqual({
        key,
        settled: true,
      });
    }
  });
});
