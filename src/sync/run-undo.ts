import type { Identity } from '../domain/identity.ts';
import { isRunId, newRunId } from '../store/run-id.ts';
import { acquireSyncLock } from '../store/sync-lock.ts';
import { applyPlan } from './apply.ts';
import { applyDepsFor, runStoreFor } from './apply-deps.ts';
import type { SyncContext } from './context.ts';
import { guardPlan } from './guard.ts';
import {
  addAuditRange,
  addFailure,
  callDelta,
  countFor,
  mergeCalls,
  tallyResults,
} from '../domain/run-report-tally.ts';
import { newReport, REPORT_ITEM_LIMIT, settledStatus, type RunReport } from '../domain/run-report.ts';
import { type ActionSummary } from '../domain/action-summary.ts';
import type { PlanAction } from '../domain/plan.ts';
import { applyUndoWrites, COUNTED_AS } from './undo-apply.ts';
import { planUndo, undoRefused, type UndoPlan, type UndoStep } from './undo-plan.ts';

export interface UndoOptions {
  /** Plan only: print what would be done, change nothing. */
  dryRun?: boolean;
  /** Who asked (`cli:<user>`, `console:<user>`): kept in the undo run's report and audit entries. */
  by: string;
}

export interface UndoOutcome {
  plan: UndoPlan;
  /** The undo run (absent for a dry run). */
  report?: RunReport;
}

/**
 * Undo a run: plan the inverse of what it applied (see planUndo), then — under the source's sync lock, so no
 * full sync runs in between — apply it and record it as a run with trigger `undo` naming the run it reverses.
 * Reactivations, recreations and restored values are applied at once; deactivations (of people the run
 * created or reactivated) are removals and pass the source's guard like any run's: over its limits they are
 * held for `approve`/`reject`.
 */
export async function undoRun(ctx: SyncContext, runId: string, options: UndoOptions): Promise<UndoOutcome> {
  if (options.dryRun) return { plan: await planUndo(ctx, runId) };
  // Only the run's source is needed before the lock; the plan is made under it (one read per person).
  const stored = isRunId(runId) ? await runStoreFor(ctx).get(runId) : null;
  if (!stored) throw undoRefused(`no run with id "${runId}" (see \`kratos-sync runs\`)`);
  const source = stored.source;
  const lock = await acquireSyncLock({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    source,
    logger: ctx.logger,
    holder: `undo-${runId}`,
  });
  try {
    // The plan's reads (one per person) count as the undo's Kratos calls too.
    const callsBefore = ctx.kratos.callCounts();
    const started = performance.now();
    const plan = await planUndo(ctx, runId);
    return { plan, report: await applyUndo(ctx, plan, options.by, { callsBefore, started }) };
  } finally {
    await lock.release();
  }
}

async function applyUndo(
  ctx: SyncContext,
  plan: UndoPlan,
  by: string,
  { callsBefore, started }: { callsBefore: Record<string, number>; started: number },
): Promise<RunReport> {
  const source = plan.run.source;
  const report = newReport({
    id: newRunId(ctx.now()),
    source,
    trigger: 'undo',
    dryRun: false,
    startedAt: ctx.now(),
  });
  report.managed = plan.run.managed;
  report.snapshot = { complete: true, records: 0, desired: 0 };
  report.undo = {
    of: plan.run.id,
    by,
    statesOnly: plan.statesOnly,
    skipped: { total: plan.skipped.length, items: plan.skipped.slice(0, REPORT_ITEM_LIMIT) },
  };
  report.collisions = plan.skipped.length;
  if (plan.notices.length) report.notices = [...plan.notices];
  for (const step of plan.steps) countFor(report, COUNTED_AS[step.kind]).planned += 1;

  const runs = runStoreFor(ctx);
  await runs.appendPlan(report.id, planSummary(plan));
  await runs.save(report);
  const deps = applyDepsFor(ctx, source, report.id);
  const writes = plan.steps.filter(
    (s): s is Exclude<UndoStep, { kind: 'deactivate' }> => s.kind !== 'deactivate',
  );
  const written = await applyUndoWrites(deps, writes, report.id, by);
  addAuditRange(report, written.range);
  for (const result of written.results) {
    countFor(report, COUNTED_AS[result.step.kind])[result.outcome] += 1;
    if (result.error)
      addFailure(report, {
        kind: COUNTED_AS[result.step.kind],
        key: result.step.key,
        identityId: result.identityId,
        error: result.error,
      });
  }

  const removals = plan.steps.filter((s) => s.kind === 'deactivate');
  const guarded = guardPlan(removals.map(toDeactivation), {
    snapshotComplete: true,
    managedCount: plan.run.managed,
    guard: ctx.config.sources[source]!.guard,
  });
  if (guarded.held.length) {
    await runs.saveHeld(report.id, source, guarded.held as Extract<PlanAction, { kind: 'deactivate' }>[]);
    report.guard.held = guarded.held.length;
    report.guard.reason = guarded.reason!;
  }
  if (guarded.apply.length) {
    const current = new Map<string, Identity>(removals.map((s) => [s.identityId, s.current]));
    const outcome = await applyPlan(deps, { actions: guarded.apply, current, runId: report.id });
    tallyResults(report, outcome.results);
    addAuditRange(report, outcome.auditRange);
  }

  mergeCalls(report, callDelta(callsBefore, ctx.kratos.callCounts()));
  report.status = settledStatus(report);
  report.finishedAt = ctx.now().toISOString();
  report.durationMs = Math.round(performance.now() - started);
  await runs.save(report);
  await runs.prune(source);
  ctx.logger.info(
    { runId: report.id, undoOf: plan.run.id, by, status: report.status, counts: report.counts },
    'undo finished',
  );
  return report;
}

function toDeactivation(step: Extract<UndoStep, { kind: 'deactivate' }>): PlanAction {
  return { kind: 'deactivate', key: step.key, identityId: step.identityId, reason: step.reason };
}

/** The undo's plan as runs keep plans (kinds, keys, ids and reasons; never values). */
export function planSummary(plan: UndoPlan): ActionSummary[] {
  return [
    ...plan.steps.map((step) => ({
      kind: COUNTED_AS[step.kind],
      key: step.key,
      identityId: step.identityId,
      reason: step.reason,
    })),
    ...plan.skipped.map((skip) => ({
      kind: 'skip' as const,
      key: skip.key,
      ...(skip.identityId ? { identityId: skip.identityId } : {}),
      reason: `${skip.action} not undone: ${skip.reason}`,
    })),
  ];
}
