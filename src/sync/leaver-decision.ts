import type { LeaverConfig } from '../config/sections/source.ts';
import type { Identity } from '../domain/identity.ts';
import type { OwnershipMarker } from '../domain/ownership-marker.ts';
import type { PlanAction } from '../domain/plan.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the leaver policy asks for one managed identity of a person who has left; null = nothing (yet). */
export type LeaverDecision =
  { kind: 'deactivate' | 'delete'; reason: string } | { kind: 'wait'; until: Date } | null;

/**
 * Offboarding is deactivate → revoke sessions → verify → (after `graceDays`) delete. The plan never emits a
 * deactivate and a delete for the same identity: with `graceDays: 0` it emits one `delete`, and the applier
 * performs the whole offboarding sequence before the DELETE (it does so for every delete — each step is
 * idempotent, so an identity deactivated earlier costs one state check and one session list).
 */
export function decideLeaver(
  identity: Identity,
  marker: OwnershipMarker,
  leaver: LeaverConfig,
  now: Date,
  why: string,
): LeaverDecision {
  if (leaver.policy === 'ignore') return null;
  const active = (identity.state ?? 'active') === 'active';
  if (leaver.policy === 'deactivate') return active ? { kind: 'deactivate', reason: why } : null;

  if (active) {
    return leaver.graceDays === 0
      ? { kind: 'delete', reason: `${why}; leaver.graceDays is 0: offboard, then delete` }
      : { kind: 'deactivate', reason: `${why}; delete after ${leaver.graceDays} day(s)` };
  }
  const since = parseStamp(marker.deactivated_at);
  if (since === null) {
    // Inactive, but not by us (or the stamp was lost): deactivating again runs the offboarding steps and
    // stamps deactivated_at, which starts the grace period — never delete without knowing when it began.
    return leaver.graceDays === 0
      ? { kind: 'delete', reason: `${why}; leaver.graceDays is 0: offboard, then delete` }
      : {
          kind: 'deactivate',
          reason: `${why}; inactive without a deactivation date: starting the grace period`,
        };
  }
  const due = new Date(since.getTime() + leaver.graceDays * DAY_MS);
  if (due.getTime() <= now.getTime()) {
    return {
      kind: 'delete',
      reason: `${why}; deactivated ${marker.deactivated_at}, grace of ${leaver.graceDays} day(s) over`,
    };
  }
  return { kind: 'wait', until: due };
}

/** `leftAt`: the termination date the record gave (ISO), carried to the offboarding receipt. */
export function leaverAction(
  decision: { kind: 'deactivate' | 'delete'; reason: string },
  key: string,
  identityId: string,
  leftAt?: string,
): PlanAction {
  return { kind: decision.kind, key, identityId, reason: decision.reason, ...(leftAt ? { leftAt } : {}) };
}

function parseStamp(stamp: string | undefined): Date | null {
  if (stamp === undefined) return null;
  const time = Date.parse(stamp);
  return Number.isNaN(time) ? null : new Date(time);
}
