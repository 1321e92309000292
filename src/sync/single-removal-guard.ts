import type { HeldAction } from '../store/run-store.ts';
import { runStoreFor, sourceRuntime } from './apply-deps.ts';
import type { ApplyDeps } from './apply-types.ts';
import type { SyncContext } from './context.ts';
import { admitEventRemoval } from './event-guard.ts';
import { guardPlan } from './guard.ts';
import { holdEventRemoval } from './hold-event-removal.ts';
import type { RunTrigger } from '../domain/run-report.ts';

export type SingleRemovalVerdict =
  | { proceed: true }
  | {
      proceed: false;
      /** The held run the removal now waits in (approve applies it, reject drops it). */
      runId: string;
      reason: string;
    };

/**
 * What every removal of one person (deactivate or delete decided by a single-person job, whatever the event
 * that caused it) passes before it is applied:
 * 1. someone whose removal a held run already waits on waits for that same decision — an event must not
 *    overtake the approval a full run asked for;
 * 2. `guard.maxRemoveCount: 0` ("a human approves every removal") holds it; the mass-removal fraction
 *    does not apply to one person confirmed against the source's current record (leavers lose access first);
 * 3. the rolling guard (event-guard.ts) holds it when the source's single-person removals in the window are
 *    already at `guard.maxEventRemovals`.
 * Held removals join the source's event-hold run (hold-event-removal.ts).
 */
export async function guardSingleRemoval(
  ctx: SyncContext,
  deps: ApplyDeps,
  action: HeldAction,
  options: { trigger: RunTrigger; runId: string },
): Promise<SingleRemovalVerdict> {
  const waitingIn = await runStoreFor(ctx).heldRunOf(deps.source, action.key);
  if (waitingIn) {
    return {
      proceed: false,
      runId: waitingIn,
      reason: `waits for the decision on held run ${waitingIn}, which holds this person's removal`,
    };
  }
  const { guard } = sourceRuntime(ctx, deps.source).config;
  const reason = await refusal(ctx, deps.source, action, guard);
  if (reason === undefined) return { proceed: true };
  const runId = await holdEventRemoval(ctx, deps, { action, reason, ...options });
  return { proceed: false, runId, reason };
}

async function refusal(
  ctx: SyncContext,
  source: string,
  action: HeldAction,
  guard: { maxRemoveCount: number; maxEventRemovals: number; eventWindow: number },
): Promise<string | undefined> {
  const counted = guardPlan([action], {
    snapshotComplete: true,
    managedCount: 1,
    guard: { maxRemoveFraction: 1, maxRemoveCount: guard.maxRemoveCount },
  });
  if (counted.held.length > 0) return counted.reason;
  const verdict = await admitEventRemoval(ctx.redis, {
    prefix: ctx.config.redis.prefix,
    source,
    key: action.key,
    now: ctx.now(),
    maxEventRemovals: guard.maxEventRemovals,
    eventWindow: guard.eventWindow,
  });
  if (verdict.admitted) return undefined;
  return (
    `${verdict.recent} single-person removal(s) in the last ${Math.round(verdict.windowMs / 60_000)} min ` +
    `reach guard.maxEventRemovals ${verdict.limit} per eventWindow: further removals are held for approval`
  );
}
