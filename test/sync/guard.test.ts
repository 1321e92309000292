import { describe, expect, it } from 'vitest';
import { guardPlan } from '../../src/sync/guard.ts';
import type { PlanAction } from '../../src/domain/plan.ts';

const guard = { maxRemoveFraction: 0.1, maxRemoveCount: 100 };
const create = (key: string): PlanAction => ({ kind: 'create', key, reason: 'new', desired: {} as never });
const update = (key: string): PlanAction => ({
  kind: 'update',
  key,
  identityId: `id-${key}`,
  desired: {} as never,
  changed: ['state'],
  reason: 'changed',
});
const deactivate = (key: string): PlanAction => ({
  kind: 'deactivate',
  key,
  identityId: `id-${key}`,
  reason: 'left',
});
const remove = (key: string): PlanAction => ({
  kind: 'delete',
  key,
  identityId: `id-${key}`,
  reason: 'left',
});
const skip = (key: string): PlanAction => ({ kind: 'skip', key, reason: 'stale' });
const removals = (n: number) =>
  Array.from({ length: n }, (_, i) => (i % 2 ? remove(`R${i}`) : deactivate(`R${i}`)));

describe('guardPlan', () => {
  it('applies everything when removals are within both limits', () => {
    const actions = [create('A'), update('B'), skip('C'), ...removals(3)];
    const result = guardPlan(actions, { snapshotComplete: true, managedCount: 100, guard });
    expect(result.apply).toHaveLength(6);
    expect(result.held).toEqual([]);
    expect(result.blocked).toEqual([]);
    expect(result.reason).toBeUndefined();
  });

  it('passes exactly at the fraction threshold and holds one above it', () => {
    const at = guardPlan(removals(10), { snapshotComplete: true, managedCount: 100, guard });
    expect(at.apply).toHaveLength(10);
    expect(at.held).toEqual([]);
    const above = guardPlan([create('A'), ...removals(11)], {
      snapshotComplete: true,
      managedCount: 100,
      guard,
    });
    expect(above.apply).toEqual([create('A')]);
    expect(above.held).toHaveLength(11);
    expect(above.reason).toMatch(/11 deactivation\(s\)\/deletion\(s\) exceed the guard \(at most 10/);
  });

  it('passes exactly at the count threshold and holds one above it, even when the fraction allows more', () => {
    const options = {
      snapshotComplete: true,
      managedCount: 10_000,
      guard: { maxRemoveFraction: 0.5, maxRemoveCount: 5 },
    };
    expect(guardPlan(removals(5), options).held).toEqual([]);
    const above = guardPlan([update('U'), ...removals(6)], options);
    expect(above.held).toHaveLength(6);
    expect(above.apply).toEqual([update('U')]);
  });

  it('holds all removals, not just the excess', () => {
    const result = guardPlan(removals(12), { snapshotComplete: true, managedCount: 100, guard });
    expect(result.held.map((a) => a.key)).toEqual(removals(12).map((a) => a.key));
  });

  it('blocks every removal of an incomplete snapshot (not held: approval cannot fix missing data)', () => {
    const actions = [create('A'), update('B'), deactivate('C'), remove('D')];
    const result = guardPlan(actions, { snapshotComplete: false, managedCount: 1000, guard });
    expect(result.apply).toEqual([create('A'), update('B')]);
    expect(result.blocked).toEqual([deactivate('C'), remove('D')]);
    expect(result.held).toEqual([]);
    expect(result.reason).toMatch(/incomplete/);
  });

  it('lets an incomplete snapshot without removals through untouched', () => {
    const result = guardPlan([create('A')], { snapshotComplete: false, managedCount: 0, guard });
    expect(result).toEqual({ apply: [create('A')], held: [], blocked: [] });
  });

  it('holds any removal when nothing is managed yet and the fraction is below 1', () => {
    const result = guardPlan([deactivate('A')], { snapshotComplete: true, managedCount: 0, guard });
    expect(result.held).toHaveLength(1);
  });

  it('with maxRemoveCount 0 holds every removal', () => {
    const options = {
      snapshotComplete: true,
      managedCount: 100,
      guard: { maxRemoveFraction: 1, maxRemoveCount: 0 },
    };
    expect(guardPlan([remove('A')], options).held).toHaveLength(1);
  });
});
