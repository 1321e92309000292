import { afterEach, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { people, simIdentitiesByKey, startHarness, type Harness } from './engine-harness.ts';

/** A guard that would let every removal through: only the snapshot's own doubt can stop them. */
const OPEN_GUARD = { maxRemoveFraction: 1, maxRemoveCount: 1000 };

function inactiveCount(harness: Harness): number {
  return [...simIdentitiesByKey(harness.sim).values()].filter((i) => i.state === 'inactive').length;
}

describe.each(['v26', 'v0.10'] as const)('a source that comes back empty or shrunk, on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('treats a header-only CSV as incomplete: nobody is removed and the run says why', async () => {
    const list = people(6);
    harness = await startHarness({ api, people: list, source: { guard: OPEN_GUARD } });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople([]);

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.snapshot).toMatchObject({ complete: false, records: 0 });
    expect(report.snapshot.error?.code).toBe('SYNC_ERR_SOURCE_SUSPECT');
    expect(report.snapshot.error?.message).toMatch(/no records.*mayBeEmpty/);
    expect(report.guard.blocked).toBe(6);
    expect(report.status).toBe('partial');
    expect(inactiveCount(harness)).toBe(0);
  });

  it('treats a source that shrank by more than guard.maxSourceShrink as incomplete, and still applies creates and updates', async () => {
    const list = people(10);
    harness = await startHarness({ api, people: list, source: { guard: OPEN_GUARD } });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    // 10 → 4 records (60 % fewer, over the default 50 %): one of the four changed, and one is new.
    const kept = [{ ...list[0]!, department: 'Legal', updated: '2026-05-01T00:00:00Z' }, ...list.slice(1, 3)];
    harness.writePeople([...kept, people(1, 50)[0]!]);

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.snapshot.complete).toBe(false);
    expect(report.snapshot.error?.message).toMatch(/4 records.*10.*maxSourceShrink 0\.5/);
    expect(report.guard.blocked).toBe(7);
    expect(report.counts.update?.applied).toBe(1);
    expect(report.counts.create?.applied).toBe(1);
    expect(inactiveCount(harness)).toBe(0);

    // The baseline is the last complete run, not the shrunk one: the next run is still in doubt.
    const again = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(again.snapshot.complete).toBe(false);
    expect(inactiveCount(harness)).toBe(0);
  });

  it('lets a shrink within guard.maxSourceShrink remove the leavers', async () => {
    const list = people(10);
    harness = await startHarness({ api, people: list, source: { guard: OPEN_GUARD } });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.slice(0, 5)); // exactly 50 % fewer: at the threshold passes

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.snapshot.complete).toBe(true);
    expect(report.counts.deactivate?.applied).toBe(5);
  });

  it('with mayBeEmpty: true, an empty source is complete and its removals pass the guard as usual', async () => {
    const list = people(4);
    harness = await startHarness({
      api,
      people: list,
      source: { mayBeEmpty: true, guard: OPEN_GUARD },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople([]);

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.snapshot.complete).toBe(true);
    expect(report.counts.deactivate?.applied).toBe(4);
    expect(inactiveCount(harness)).toBe(4);
  });
});
