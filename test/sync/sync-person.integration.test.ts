import { afterEach, describe, expect, it } from 'vitest';
import { createMarkerIndex } from '../../src/store/marker-index.ts';
import { createRunStore } from '../../src/store/run-store.ts';
import { approveRun } from '../../src/sync/approve.ts';
import type { PersonEvent } from '../../src/sync/context.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { syncPerson } from '../../src/sync/sync-person.ts';
import {
  type Harness,
  people,
  person,
  PROFILES,
  simIdentitiesByKey,
  startHarness,
} from './engine-harness.ts';

describe.each(PROFILES)('syncPerson on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('creates a new person once and calls the onboarding hook once', async () => {
    const created: PersonEvent[] = [];
    harness = await startHarness({
      api,
      people: people(3),
      hooks: { identityCreated: async (e) => void created.push(e) },
    });
    const first = await syncPerson(harness.ctx, 'hr', 'E00002', { runId: 'job-1' });
    expect(first).toMatchObject({ status: 'created', key: 'E00002', runId: 'job-1' });
    expect(harness.sim.state.identities.size).toBe(1);
    expect(created).toEqual([
      expect.objectContaining({ key: 'E00002', identityId: first.identityId, runId: 'job-1' }),
    ]);

    const writes = harness.writes();
    const second = await syncPerson(harness.ctx, 'hr', 'E00002');
    expect(second).toMatchObject({ status: 'unchanged', identityId: first.identityId });
    expect(harness.writes()).toEqual(writes);
    expect(created).toHaveLength(1);
  });

  it('updates a changed person and ignores a stale event', async () => {
    const list = people(3);
    harness = await startHarness({ api, people: list });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    list[0] = { ...list[0]!, department: 'Finance', updated: '2026-04-01T00:00:00Z' };
    harness.writePeople(list);
    const updated = await syncPerson(harness.ctx, 'hr', 'E00001');
    expect(updated.status).toBe('updated');
    expect(updated.changed).toContain('traits.department');
    expect(simIdentitiesByKey(harness.sim).get('E00001')?.traits).toMatchObject({ department: 'Finance' });

    // The export is rolled back to an older version of the record: Kratos keeps the newer data.
    list[0] = { ...list[0]!, department: 'Engineering', updated: '2026-02-01T00:00:00Z' };
    harness.writePeople(list);
    const writes = harness.writes();
    const stale = await syncPerson(harness.ctx, 'hr', 'E00001', { eventVersion: '2026-02-01T00:00:00Z' });
    expect(stale.status).toBe('stale');
    expect(harness.writes()).toEqual(writes);
    expect(simIdentitiesByKey(harness.sim).get('E00001')?.traits).toMatchObject({ department: 'Finance' });
  });

  it('deactivates a person the source no longer has', async () => {
    const list = people(12);
    harness = await startHarness({ api, people: list });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.filter((p) => p.id !== 'E00005'));
    const gone = await syncPerson(harness.ctx, 'hr', 'E00005');
    expect(gone.status).toBe('deactivated');
    expect(harness.sim.identity(gone.identityId!)?.state).toBe('inactive');
  });

  it('finds the identity after the marker index was lost, without creating a duplicate', async () => {
    const list = people(3);
    harness = await startHarness({ api, people: list });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    await harness.redis.del(`${harness.prefix}:markers:hr:by-id`, `${harness.prefix}:markers:hr:by-key`);
    list[1] = { ...list[1]!, last: 'Renamed', updated: '2026-06-01T00:00:00Z' };
    harness.writePeople(list);
    const outcome = await syncPerson(harness.ctx, 'hr', 'E00002');
    expect(harness.sim.state.identities.size).toBe(3);
    // Found by external_id or email identifier and updated where Kratos can look up (v1.0+); v0.10 has no
    // lookup: the create's conflict is resolved by lookup.
    const canLookUp = harness.ctx.kratos.capabilities.credentialsIdentifierFilter;
    expect(outcome.status).toBe(canLookUp ? 'updated' : 'created');
    expect(outcome.identityId).toBe(simIdentitiesByKey(harness.sim).get('E00002')?.id);
    expect(simIdentitiesByKey(harness.sim).get('E00002')?.traits).toMatchObject({
      name: { last: 'Renamed' },
    });
    expect(await createMarkerIndex(harness.redis, harness.prefix, 'hr').identityIdOf('E00002')).toBe(
      outcome.identityId,
    );
  });

  it('quarantines a bad record and writes nothing', async () => {
    harness = await startHarness({ api, people: [person(1, { email: 'broken' })] });
    const outcome = await syncPerson(harness.ctx, 'hr', 'E00001');
    expect(outcome.status).toBe('quarantined');
    expect(outcome.quarantine?.field).toMatch(/email/);
    expect(harness.writes()).toEqual({});
  });

  it('offboards a single leaver at once, whatever the fraction guard says about mass removals', async () => {
    const list = people(3);
    harness = await startHarness({ api, people: list, source: { guard: { maxRemoveFraction: 0.1 } } });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.slice(1));
    const outcome = await syncPerson(harness.ctx, 'hr', 'E00001', { trigger: 'webhook' });
    expect(outcome.status).not.toBe('held');
    expect(harness.sim.identity(outcome.identityId!)?.state).toBe('inactive');
  });

  it('holds a removal the guard forbids as a run of its own, which approve applies', async () => {
    const list = people(3);
    harness = await startHarness({
      api,
      people: list,
      source: { guard: { maxRemoveFraction: 0, maxRemoveCount: 0 } },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.slice(1));
    const held = await syncPerson(harness.ctx, 'hr', 'E00001', { trigger: 'webhook' });
    expect(held.status).toBe('held');
    expect(harness.sim.identity(held.identityId!)?.state).toBe('active');
    const run = await createRunStore(harness.redis, harness.prefix).get(held.runId);
    expect(run).toMatchObject({ status: 'held', trigger: 'webhook', guard: { held: 1 } });
    const approved = await approveRun(harness.ctx, held.runId);
    expect(approved.applied).toBe(1);
    expect(harness.sim.identity(held.identityId!)?.state).toBe('inactive');
  });
});
