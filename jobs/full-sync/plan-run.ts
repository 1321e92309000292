import { applyDepsFor, runStoreFor, sourceRuntime } from '../../src/sync/apply-deps.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { guardPlan, type GuardedPlan } from '../../src/sync/guard.ts';
import { listManaged, restoreAdminMetadata, type ManagedScan } from '../../src/sync/managed.ts';
import { planSyncDetailed } from '../../src/sync/plan.ts';
import {
  addQuarantined,
  newReport,
  summariseAction,
  tallyPlan,
  type RunReport,
  type RunTrigger,
} from '../../src/sync/report.ts';
import type { HeldAction } from '../../src/store/run-store.ts';
import { readSnapshot, type Snapshot } from '../../src/sync/snapshot.ts';
import type { PlanAction } from '../../src/sync/types.ts';

export interface PlannedRun {
  /** The run's report so far (status `running`): snapshot, plan counts, guard, quarantine. */
  report: RunReport;
  /** Guarded actions to apply now (creates, updates, and removals the guard let through). */
  apply: PlanAction[];
}

/**
 * The first half of a full reconcile for the queue: snapshot → managed identities → plan → guard, stored
 * like `runFullSync` stores it (report `running`, plan summary, held removals). The apply half runs as
 * chunk jobs spread over every worker (jobs/sync-apply.ts), the report is finished by jobs/sync-full.ts.
 *
 * The steps are the engine's own (src/sync); only their sequence is repeated from `runFullSync`, whose
 * `planAndGuard` is not exported. Keep the two in step (see the report of issue 4).
 */
export async function planRun(
  ctx: SyncContext,
  sourceName: string,
  options: { runId: string; trigger: RunTrigger; startedAt: Date; signal?: AbortSignal },
): Promise<PlannedRun> {
  const runtime = sourceRuntime(ctx, sourceName);
  const logger = ctx.logger.child({ source: sourceName, runId: options.runId });
  const report = newReport({
    id: options.runId,
    source: sourceName,
    trigger: options.trigger,
    dryRun: false,
    startedAt: options.startedAt,
  });
  const runs = runStoreFor(ctx);
  await runs.save(report);
  const snapshot = await readSnapshot(
    { source: runtime.source, mapper: runtime.mapper, logger, now: ctx.now },
    options.signal ? { signal: options.signal } : {},
  );
  options.signal?.throwIfAborted();
  recordSnapshot(report, snapshot);
  const deps = applyDepsFor(ctx, sourceName, options.runId);
  const scan = await listManaged(
    { kratos: ctx.kratos, index: deps.index, logger, source: sourceName, concurrency: deps.concurrency },
    {
      desiredEmails: new Set(snapshot.desired.flatMap((d) => (d.email ? [d.email.toLowerCase()] : []))),
      desiredExternalIds: new Set(snapshot.desired.flatMap((d) => (d.externalId ? [d.externalId] : []))),
      pageSize: ctx.config.kratos.pageSize,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  report.managed = scan.managed.length;
  const guarded = planAndGuard(ctx, runtime.config, sourceName, snapshot, scan, report);
  await runs.appendPlan(options.runId, guarded.all.map(summariseAction));
  if (guarded.held.length > 0) await runs.saveHeld(options.runId, guarded.held as HeldAction[]);
  await runs.save(report);
  return { report, apply: guarded.apply };
}

function recordSnapshot(report: RunReport, snapshot: Snapshot): void {
  report.snapshot = {
    complete: snapshot.complete,
    records: snapshot.records,
    desired: snapshot.desired.length,
  };
  if (snapshot.error) report.snapshot.error = snapshot.error;
  addQuarantined(report, snapshot.quarantined);
}

function planAndGuard(
  ctx: SyncContext,
  config: {
    adoptByEmail: boolean;
    leaver: Parameters<typeof planSyncDetailed>[0]['leaver'];
    guard: Parameters<typeof guardPlan>[1]['guard'];
  },
  source: string,
  snapshot: Snapshot,
  scan: ManagedScan,
  report: RunReport,
): GuardedPlan & { all: PlanAction[] } {
  if (!ctx.kratos.capabilities.listIncludesAdminMetadata) {
    restoreAdminMetadata(scan, new Map(snapshot.desired.map((d) => [d.key, d])), source);
  }
  const plan = planSyncDetailed({
    source,
    desired: snapshot.desired,
    managed: [...scan.managed, ...scan.foreign],
    adoptable: scan.unmanagedByEmail,
    adoptByEmail: config.adoptByEmail,
    leaver: config.leaver,
    now: ctx.now(),
    presentKeys: snapshot.presentKeys,
    generation: ctx.kratos.capabilities.generation,
  });
  report.unchanged = plan.unchanged;
  tallyPlan(report, plan.actions);
  const guarded = holdOnUnkeyedRecords(
    guardPlan(plan.actions, {
      snapshotComplete: snapshot.complete,
      managedCount: scan.managed.length,
      guard: config.guard,
    }),
    snapshot.unkeyed,
  );
  report.guard = { held: guarded.held.length, blocked: guarded.blocked.length };
  if (guarded.reason) report.guard.reason = guarded.reason;
  return { ...guarded, all: plan.actions };
}

/** A record without a readable key could be any managed person: removals wait for a human. */
function holdOnUnkeyedRecords(guarded: GuardedPlan, unkeyed: number): GuardedPlan {
  if (unkeyed === 0) return guarded;
  const removals = guarded.apply.filter((a) => a.kind === 'deactivate' || a.kind === 'delete');
  if (removals.length === 0) return guarded;
  return {
    apply: guarded.apply.filter((a) => a.kind !== 'deactivate' && a.kind !== 'delete'),
    held: [...guarded.held, ...removals],
    blocked: guarded.blocked,
    reason: `${unkeyed} source record(s) had no readable key, so no one can be ruled out as gone: ${removals.length} removal(s) held for approval`,
  };
}
