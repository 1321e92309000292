import { afterEach, describe, expect, it } from 'vitest';
import { readAuditForRun } from '../../src/store/audit-store.ts';
import { applyPlan } from '../../src/sync/apply.ts';
import { applyDepsFor } from '../../src/sync/apply-deps.ts';
import type { PersonEvent } from '../../src/sync/context.ts';
import { createAction } from './create-action.ts';
import { startHarness, type Harness } from './engine-harness.ts';

const BASE = ['external_id', 'metadata_admin', 'schema_id', 'state'];

describe("a create's audit entry names the fields that create wrote", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('each person its own fields, when creates of one run write different traits and fields', async () => {
    harness = await startHarness({ api: 'v26', people: [], kratos: { batchSize: 2 } });
    const deps = applyDepsFor(harness.ctx, 'hr', 'run-fields');
    const actions = [
      createAction(1),
      createAction(2),
      createAction(3, { department: 'Sales' }),
      createAction(4),
      createAction(5, { metadataPublic: { team: 'blue' } }),
      createAction(6, { department: 'Ops', metadataPublic: { team: 'red' } }),
      createAction(7),
    ];
    const outcome = await applyPlan(deps, { actions, current: new Map(), runId: 'run-fields' });
    expect(outcome.results.map((r) => r.outcome)).toEqual(actions.map(() => 'applied'));
    const audit = await readAuditForRun(harness.redis, harness.prefix, {
      id: 'run-fields',
      source: 'hr',
      auditRanges: [outcome.auditRange!],
    });
    const plain = [...BASE, 'traits.email', 'traits.name'].sort();
    const withDepartment = [...plain, 'traits.department'].sort();
    expect(audit.map((entry) => [entry.key, entry.changed])).toEqual([
      ['E00001', plain],
      ['E00002', plain],
      ['E00003', withDepartment],
      ['E00004', plain],
      ['E00005', [...plain, 'metadata_public'].sort()],
      ['E00006', [...withDepartment, 'metadata_public'].sort()],
      ['E00007', plain],
    ]);
  });

  it("runs a slice's hooks (onboarding invites) several at a time, each once; a failing one fails alone", async () => {
    let inFlight = 0;
    let most = 0;
    const called: string[] = [];
    harness = await startHarness({
      api: 'v26',
      people: [],
      kratos: { batchSize: 50 },
      hooks: {
        identityCreated: async (event: PersonEvent) => {
          inFlight++;
          most = Math.max(most, inFlight);
          // A queue write's round trip: the next hook may start meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 2));
          inFlight--;
          called.push(event.key);
          if (event.key === 'E00007') throw new Error('queue unavailable');
        },
      },
    });
    const deps = applyDepsFor(harness.ctx, 'hr', 'run-hooks');
    const actions = Array.from({ length: 40 }, (_, i) => createAction(i + 1));
    const outcome = await applyPlan(deps, { actions, current: new Map(), runId: 'run-hooks' });
    expect(outcome.results.filter((r) => r.outcome === 'applied')).toHaveLength(40);
    expect(outcome.hookErrors).toBe(1);
    expect([...called].sort()).toEqual(actions.map((a) => a.key).sort());
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(16);
  });
});
