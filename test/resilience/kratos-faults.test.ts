import { afterEach, describe, expect, it } from 'vitest';
import { people, type Person, startHarness, type Harness } from '../sync/engine-harness.ts';
import { identitiesByKey, syncUntilConverged } from './support/converge.ts';

/**
 * A Kratos that misbehaves all through a large sync: one request in five answered 5xx, one in twenty 429
 * (with Ory's rate-limit headers), one in a hundred never answered. kratos-sync must still converge —
 * over retries and, where retries run out, over later runs — to exactly the source: everybody once,
 * nobody twice, nobody missing, leavers deactivated, changes applied.
 *
 * A quarter of the injected 5xx are 500s, which the client treats as permanent (src/kratos/errors.ts), so
 * a run whose list pages draw one fails as a whole and the next run (the job's next attempt) starts over;
 * hence the generous run budget.
 */
const FAULTS = { errorRate: 0.2, rateLimitRate: 0.05, hangRate: 0.01 };
const MAX_RUNS = 40;

function expectExactly(harness: Harness, list: readonly Person[]): void {
  const byKey = identitiesByKey(harness.sim);
  const duplicates = [...byKey].filter(([, copies]) => copies.length > 1).map(([key]) => key);
  expect(duplicates).toEqual([]);
  expect(byKey.has('(unmarked)')).toBe(false);
  expect(harness.sim.state.identities.size).toBe(list.length);
  const wrong: string[] = [];
  for (const p of list) {
    const found = byKey.get(p.id)?.[0];
    const expected = {
      state: p.status === 'terminated' ? 'inactive' : 'active',
      traits: {
        email: p.email,
        name: { first: p.first, last: p.last },
        department: p.department,
      },
    };
    if (
      !found ||
      found.state !== expected.state ||
      JSON.stringify(found.traits) !== JSON.stringify(expected.traits)
    )
      wrong.push(`${p.id}: ${JSON.stringify(found ?? 'missing')}`);
  }
  expect(wrong.slice(0, 10)).toEqual([]);
  expect(wrong.length).toBe(0);
}

/**
 * Every simulator profile. The extra ones sync 2 000 people to keep CI time down; with 2 000-entry batches
 * (v1.x) their whole run is only a few hundred requests, so their hang rate is doubled to make sure the
 * assertion below that a hang happened cannot come out empty by chance.
 */
describe.each([
  { api: 'v26' as const, size: 10_000, faults: FAULTS },
  { api: 'v25.4' as const, size: 2_000, faults: { ...FAULTS, hangRate: 0.02 } },
  // v1.3: no external_id (marker matching), 2 000-entry batches with per-item results.
  { api: 'v1' as const, size: 2_000, faults: { ...FAULTS, hangRate: 0.02 } },
  // v1.0: offset pages and all-or-nothing batches, where a retried batch that had gone through is a 409.
  { api: 'v1.0' as const, size: 2_000, faults: { ...FAULTS, hangRate: 0.02 } },
  // v0.10 has no external_id, no batch and no lookup: creates are single POSTs guarded by the marker index.
  { api: 'v0.10' as const, size: 2_000, faults: FAULTS },
])('Kratos $api failing during a $size-person sync', ({ api, size, faults }) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('converges to exactly the source: no duplicate, no one missing', async () => {
    const list = people(size);
    harness = await startHarness({
      api,
      people: list,
      kratos: {
        // A hung request is given up after 400 ms; 6 retries per request before the item waits for the next run.
        timeoutMs: 400,
        concurrency: 16,
        retry: { retries: 6, minDelayMs: 5, maxDelayMs: 100 },
      },
      source: { guard: { maxRemoveFraction: 1, maxRemoveCount: 1_000_000 } },
    });
    harness.sim.setFaults(faults);

    const imports = await syncUntilConverged(harness.ctx, { maxRuns: MAX_RUNS });
    expect(imports.at(-1)!.unchanged).toBe(size);
    expectExactly(harness, list);

    // The next day: 10 % changed department, 1 % left — still under the same faults.
    const nextDay = list.map((p, i) =>
      i % 100 === 7
        ? { ...p, status: 'terminated' as const, updated: '2026-02-01T00:00:00Z' }
        : i % 10 === 3
          ? { ...p, department: 'Sales', last: `${p.last}-Ñoño 😀`, updated: '2026-02-01T00:00:00Z' }
          : p,
    );
    harness.writePeople(nextDay);
    const changes = await syncUntilConverged(harness.ctx, { maxRuns: MAX_RUNS });
    // Each changed person was written exactly once. (Deactivations are checked by end state only: one
    // whose session revocation failed after the state change counts as failed, and the next run finds the
    // identity already inactive.)
    const updates = changes.reduce((sum, r) => sum + (r.counts.update?.applied ?? 0), 0);
    expect(updates).toBe(size / 10);
    expectExactly(harness, nextDay);

    // Every kind of fault really happened along the way (the v26 import is ~30 requests — batches and
    // pages — so a hang may only show in the day-two writes).
    expect(harness.sim.stats().faults.error).toBeGreaterThan(0);
    expect(harness.sim.stats().faults.hung).toBeGreaterThan(0);
    expect(harness.sim.stats().faults.rateLimited).toBeGreaterThan(0);

    // With the faults gone, a final run agrees that there is nothing to do.
    harness.sim.setFaults({});
    // (Leavers already deactivated are not counted as unchanged people.)
    const calm = await syncUntilConverged(harness.ctx, { maxRuns: 1 });
    expect(calm[0]!.unchanged).toBe(size - size / 100);
    expect(Object.keys(calm[0]!.kratosCalls.byOperation)).toEqual(['listIdentities']);
  });
});
