import type { GuardConfig } from '../config/sections/source.ts';
import type { PlanAction } from '../domain/plan.ts';

export interface GuardOptions {
  /** False when the source failed, timed out or was cut short while it was read. */
  snapshotComplete: boolean;
  /** Identities this source manages before the run (the base of `maxRemoveFraction`). */
  managedCount: number;
  guard: Pick<GuardConfig, 'maxRemoveFraction' | 'maxRemoveCount'>;
}

export interface GuardedPlan {
  /** Safe to apply now. */
  apply: PlanAction[];
  /** Removals over the threshold: kept for `approve <run-id>` / `reject <run-id>`. */
  held: PlanAction[];
  /** Removals refused outright (incomplete snapshot): never applied from this plan, not even on approval. */
  blocked: PlanAction[];
  reason?: string;
}

/**
 * "Never delete on doubt" (DESIGN invariant 3). An incomplete snapshot cannot tell a leaver from a record
 * that was not read, so its removals are blocked (approval cannot fix missing data; the next complete run
 * will plan them again). A complete snapshot that would remove more than the guard allows holds all of its
 * removals for a human; creates and updates go ahead either way. Exactly at a threshold passes.
 */
export function guardPlan(actions: readonly PlanAction[], options: GuardOptions): GuardedPlan {
  const apply: PlanAction[] = [];
  const removals: PlanAction[] = [];
  for (const action of actions) {
    if (action.kind === 'deactivate' || action.kind === 'delete') removals.push(action);
    else apply.push(action);
  }
  if (removals.length === 0) return { apply, held: [], blocked: [] };
  if (!options.snapshotComplete) {
    return {
      apply,
      held: [],
      blocked: removals,
      reason: `the source snapshot is incomplete: ${removals.length} deactivation(s)/deletion(s) not applied`,
    };
  }
  const { maxRemoveFraction, maxRemoveCount } = options.guard;
  const fractionLimit = maxRemoveFraction * options.managedCount;
  if (removals.length > fractionLimit || removals.length > maxRemoveCount) {
    const limit = Math.min(Math.floor(fractionLimit), maxRemoveCount);
    return {
      apply,
      held: removals,
      blocked: [],
      reason:
        `${removals.length} deactivation(s)/deletion(s) exceed the guard (at most ${limit}: ` +
        `maxRemoveFraction ${maxRemoveFraction} of ${options.managedCount} managed, maxRemoveCount ${maxRemoveCount}); ` +
        'held for approval',
    };
  }
  return { apply: [...apply, ...removals], held: [], blocked: [] };
}
