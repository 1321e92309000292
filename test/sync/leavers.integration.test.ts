import { afterEach, describe, expect, it } from 'vitest';
import { createRunStore } from '../../src/store/run-store.ts';
import { approveRun, rejectRun } from '../../src/sync/approve.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { type Harness, people, PROFILES, simIdentitiesByKey, startHarness } from './engine-harness.ts';

describe.each(PROFILES)('leavers and the deletion guard on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('deactivates a leaver, revokes their sessions, and deletes them once the grace period has passed', async () => {
    const list = people(10);
    harness = await startHarness({
      api,
      people: list,
      source: { leaver: { policy: 'delete', graceDays: 30, when: 'status = "terminated"' } },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const leaver = simIdentitiesByKey(harness.sim).get('E00003')!;
    const { sessionToken } = harness.sim.login(leaver.id);
    expect(sessionToken).toBeTruthy();

    list[2] = { ...list[2]!, status: 'terminated', updated: '2026-03-01T00:00:00Z' };
    harness.writePeople(list);
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.status).toBe('completed');
    expect(report.counts.deactivate).toEqual({ planned: 1, applied: 1, failed: 0, skipped: 0 });
    expect(harness.sim.identity(leaver.id)?.state).toBe('inactive');
    expect(harness.sim.sessionsOf(leaver.id).filter((s) => s.active)).toHaveLength(0);
    const marker = (
      harness.sim.identity(leaver.id)?.metadata_admin as { kratos_sync: { deactivated_at?: string } }
    ).kratos_sync;
    expect(marker.deactivated_at).toBe('2026-11-27T08:00:00.000Z');

    harness.clock.advanceDays(10);
    const waiting = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(waiting.counts.delete).toBeUndefined();
    expect(harness.sim.identity(leaver.id)).toBeDefined();

    harness.clock.advanceDays(21);
    const after = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(after.counts.delete).toEqual({ planned: 1, applied: 1, failed: 0, skipped: 0 });
    expect(harness.sim.identity(leaver.id)).toBeUndefined();
    expect(harness.sim.state.identities.size).toBe(9);
  });

  it('deactivates and deletes nothing when the source fails mid-stream, but still applies what it read', async () => {
    const list = people(10);
    harness = await startHarness({ api, people: list });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const changed = { ...list[0]!, department: 'Legal', updated: '2026-05-01T00:00:00Z' };
    // Only the first three rows, then a quoted field that never ends: the CSV source throws.
    harness.writePeople(
      [changed, list[1]!, list[2]!],
      ['E09999,"Unterminated,x,y@example.com,Ops,active,2026'],
    );

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.snapshot.complete).toBe(false);
    expect(report.snapshot.error?.code).toBe('SYNC_ERR_SOURCE_UNAVAILABLE');
    expect(report.status).toBe('partial');
    expect(report.guard.blocked).toBe(7);
    expect(report.counts.deactivate).toEqual({ planned: 7, applied: 0, failed: 0, skipped: 0 });
    expect(report.counts.update?.applied).toBe(1);
    const states = [...harness.sim.state.identities.values()].map((i) => i.state);
    expect(states.filter((s) => s === 'inactive')).toHaveLength(0);
    expect(harness.sim.state.identities.size).toBe(10);
  });

  it('holds a mass removal for approval; approve applies it, and a second approve does nothing', async () => {
    const list = people(10);
    harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 0.2, maxRemoveCount: 100, maxSourceShrink: 0.9 } },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.slice(0, 4));

    const held = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(held.status).toBe('held');
    expect(held.guard.held).toBe(6);
    expect(held.guard.reason).toMatch(/exceed the guard/);
    expect([...harness.sim.state.identities.values()].every((i) => i.state === 'active')).toBe(true);
    const stored = await createRunStore(harness.redis, harness.prefix).get(held.id);
    expect(stored?.status).toBe('held');

    const approved = await approveRun(harness.ctx, held.id);
    expect(approved).toMatchObject({
      decision: 'approved',
      alreadyDecided: false,
      applied: 6,
      failed: 0,
      status: 'completed',
    });
    const byKey = simIdentitiesByKey(harness.sim);
    for (const key of ['E00005', 'E00006', 'E00007', 'E00008', 'E00009', 'E00010'])
      expect(byKey.get(key)?.state).toBe('inactive');
    for (const key of ['E00001', 'E00002', 'E00003', 'E00004']) expect(byKey.get(key)?.state).toBe('active');
    const report = await createRunStore(harness.redis, harness.prefix).get(held.id);
    expect(report?.status).toBe('completed');
    expect(report?.counts.deactivate).toEqual({ planned: 6, applied: 6, failed: 0, skipped: 0 });

    const writes = harness.writes();
    const again = await approveRun(harness.ctx, held.id);
    expect(again.alreadyDecided).toBe(true);
    expect(harness.writes()).toEqual(writes);
    expect((await rejectRun(harness.ctx, held.id)).alreadyDecided).toBe(true);
  });

  it('rejecting a held run applies nothing', async () => {
    const list = people(10);
    harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 0.2, maxRemoveCount: 100, maxSourceShrink: 0.9 } },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.slice(0, 4));
    const held = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    const writes = harness.writes();

    const rejected = await rejectRun(harness.ctx, held.id);
    expect(rejected).toMatchObject({
      decision: 'rejected',
      alreadyDecided: false,
      status: 'rejected',
      applied: 0,
    });
    expect(harness.writes()).toEqual(writes);
    expect((await createRunStore(harness.redis, harness.prefix).get(held.id))?.status).toBe('rejected');
    expect((await approveRun(harness.ctx, held.id)).alreadyDecided).toBe(true);
    expect([...harness.sim.state.identities.values()].every((i) => i.state === 'active')).toBe(true);
  });

  it('skips, at approval, a held removal whose identity lost our marker meanwhile', async () => {
    const list = people(5);
    harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 0, maxRemoveCount: 0 } },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.slice(0, 3));
    const held = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(held.guard.held).toBe(2);
    // Someone hands E00005's identity over to another team: the marker is removed outside kratos-sync.
    const taken = simIdentitiesByKey(harness.sim).get('E00005')!;
    harness.sim.state.identities.get(taken.id)!.metadata_admin = { owner: 'someone else' };

    const approved = await approveRun(harness.ctx, held.id);
    expect(approved.applied).toBe(1);
    expect(approved.skipped).toBe(1);
    expect(approved.status).toBe('completed');
    expect(harness.sim.identity(taken.id)?.state).toBe('active');
    expect(simIdentitiesByKey(harness.sim).get('E00004')?.state).toBe('inactive');
  });
});
