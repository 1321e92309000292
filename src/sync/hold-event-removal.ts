import { engineKeys } from '../store/keys.ts';
import { withRedisMutex } from '../store/redis-mutex.ts';
import type { HeldAction, RunStore } from '../store/run-store.ts';
import { runStoreFor } from './apply-deps.ts';
import type { ApplyDeps } from './apply-types.ts';
import type { SyncContext } from './context.ts';
import { newReport, settledStatus, type RunReport, type RunTrigger } from '../domain/run-report.ts';
import { summariseAction } from '../domain/action-summary.ts';
import { tallyPlan } from '../domain/run-report-tally.ts';

export interface EventHoldRequest {
  action: HeldAction;
  /** Why it is held (which guard said no), shown on the run. */
  reason: string;
  trigger: RunTrigger;
  /** The run id to use if this removal opens a new held run. */
  runId: string;
}

/**
 * Hold one single-person removal for approval. Held removals of a source collect in one run — the source's
 * open event hold — until an operator approves or rejects it (`kratos-sync approve|reject`, the console),
 * so a burst of events is one decision, not hundreds. The run is listed and decided like any held run; its
 * plan and held list grow as removals join. A removal already in the run (a retried job) joins once.
 * Returns the run's id.
 *
 * Joining is a read-modify-write of the run, serialised across workers by a short Redis lock.
 */
export async function holdEventRemoval(
  ctx: SyncContext,
  deps: ApplyDeps,
  request: EventHoldRequest,
): Promise<string> {
  const keys = engineKeys(ctx.config.redis.prefix);
  const runs = runStoreFor(ctx);
  return await withRedisMutex(ctx.redis, keys.eventHoldLock(deps.source), async () => {
    const open = await openHold(ctx, runs, deps.source);
    const report = open?.report ?? (await newHoldReport(ctx, deps, request));
    const held = open?.held ?? [];
    if (held.some((a) => a.key === request.action.key && a.identityId === request.action.identityId)) {
      return report.id;
    }
    held.push(request.action);
    await runs.appendPlan(report.id, [summariseAction(request.action)]);
    await runs.saveHeld(report.id, deps.source, held);
    tallyPlan(report, [request.action]);
    report.snapshot.records = held.length;
    report.guard = { held: held.length, blocked: 0, reason: request.reason };
    report.status = settledStatus(report);
    report.finishedAt = ctx.now().toISOString();
    await runs.save(report);
    if (!open) await ctx.redis.set(keys.eventHold(deps.source), report.id);
    return report.id;
  });
}

/** The source's event hold while it still waits for a decision. */
async function openHold(
  ctx: SyncContext,
  runs: RunStore,
  source: string,
): Promise<{ report: RunReport; held: HeldAction[] } | null> {
  const runId = await ctx.redis.get(engineKeys(ctx.config.redis.prefix).eventHold(source));
  if (!runId) return null;
  const report = await runs.get(runId);
  if (!report || report.status !== 'held' || (await runs.isDecided(runId))) return null;
  return { report, held: await runs.readHeld(runId) };
}

async function newHoldReport(
  ctx: SyncContext,
  deps: ApplyDeps,
  request: EventHoldRequest,
): Promise<RunReport> {
  const report = newReport({
    id: request.runId,
    source: deps.source,
    trigger: request.trigger,
    dryRun: false,
    startedAt: ctx.now(),
  });
  report.snapshot = { complete: true, records: 0, desired: 0 };
  report.managed = await deps.index.count();
  return report;
}
