import { afterEach, describe, expect, it } from 'vitest';
import { newReport } from '../../src/domain/run-report.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { planFullSync } from '../../src/sync/plan-full-sync.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { people, person, startHarness, type Harness } from './engine-harness.ts';

// A full sync of a large source keeps its desired people compact (one JSON string each) while Kratos is
// listed. Against the simulator and Redis, the compact path must plan and report exactly what the records
// themselves do: the same settled people, the same changes found in every compared field, the same
// duplicates and quarantine. Both runs here are dry runs, so neither changes what the other sees.

describe.each(['v26', 'v0.10'] as const)('a compact full sync against Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('plans and reports what the plain records plan', async () => {
    harness = await startHarness({ api, people: people(40) });
    expect((await runFullSync(harness.ctx, 'hr', { trigger: 'cli' })).status).toBe('completed');
    const edits: Record<number, Parameters<typeof person>[1]> = {
      3: { department: 'Sales', updated: '2026-12-01T00:00:00Z' },
      5: { last: 'Renamed' },
      7: { status: 'terminated' },
      11: { first: 'Ünïcødé 🚀' },
    };
    const changed = people(44)
      .filter((p) => p.id !== 'E00009') // person 9 left the source
      .map((p) => {
        const n = Number(p.id.slice(1));
        return edits[n] ? person(n, edits[n]) : p;
      });
    changed.push(person(12, { email: 'other12@example.com' })); // key 12 twice: both quarantined
    changed.push(person(45, { email: 'person44@example.com' })); // same email as 44: both quarantined
    harness.writePeople(changed, ['E00046,,Nobody,not-an-email,Engineering']);

    const plan = async (compactFrom: number) => {
      const report = newReport({
        id: `run-${compactFrom}`,
        source: 'hr',
        trigger: 'cli',
        dryRun: true,
        startedAt: harness!.ctx.now(),
      });
      const planned = await planFullSync(harness!.ctx, 'hr', report, {
        runId: report.id,
        dryRun: true,
        logger: silentLogger(),
        compactFrom,
      });
      return { report, actions: planned.guarded.all };
    };
    const compact = await plan(0);
    const plain = await plan(Infinity);
    expect(compact.actions).toEqual(plain.actions);
    const { id: _a, ...compactReport } = compact.report;
    const { id: _b, ...plainReport } = plain.report;
    expect(compactReport).toEqual(plainReport);

    // What the plan found, so the equality above is about something.
    const kinds = (kind: string) =>
      compact.actions
        .filter((a) => a.kind === kind)
        .map((a) => a.key)
        .sort();
    expect(kinds('update')).toEqual(['E00003', 'E00005', 'E00011']);
    expect(kinds('create')).toEqual(['E00041', 'E00042', 'E00043']); // 44 and 45 share an email
    expect(kinds('deactivate')).toEqual(['E00007', 'E00009']);
    expect(compact.report.unchanged).toBe(40 - 6); // 3, 5, 7, 9, 11 changed; 12 quarantined
    expect(compact.report.quarantined.records.map((q) => `${q.key}:${q.rule}`).sort()).toEqual([
      'E00012:duplicate-key',
      'E00012:duplicate-key',
      'E00044:duplicate-email',
      'E00045:duplicate-email',
      'E00046:field-count',
    ]);
  });
});
