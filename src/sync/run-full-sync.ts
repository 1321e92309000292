import type { Identity } from '../kratos/types.ts';
import { acquireSyncLock, type SyncLock } from '../store/sync-lock.ts';
import { newRunId } from '../store/run-id.ts';
import type { HeldAction } from '../store/run-store.ts';
import { applyPlan } from './apply.ts';
import { applyDepsFor, runStoreFor, sourceRuntime } from './apply-deps.ts';
import { describeFailure } from './apply-errors.ts';
import type { SyncContext } from './context.ts';
import { guardPlan, type GuardedPlan } from './guard.ts';
import { listManaged, unsettledDesired, type ManagedScan } from './managed.ts';
import { planSyncDetailed } from './plan.ts';
import {
  addAuditRange,
  addQuarantined,
  callDelta,
  mergeCalls,
  newReport,
  settledStatus,
  summariseAction,
  tallyPlan,
  tallyResults,
  type ActionSummary,
  type RunReport,
  type RunTrigger,
} from './report.ts';
import { readSnapshot, type Snapshot } from './snapshot.ts';
import type { ManagedIdentity, PlanAction } from './types.ts';

export type SyncProgress =
  | { phase: 'source'; records: number }
  | { phase: 'kratos'; listed: number }
  | { phase: 'apply'; done: number; total: number };

export interface FullSyncOptions {
  /** Plan only: nothing is written to Kratos or Redis; the report carries the plan. */
  dryRun?: boolean;
  trigger: RunTrigger;
  /** Use this id (e.g. the queue job's) instead of a fresh one. */
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

/** A run's report; a dry run's also carries its plan (a stored run's plan is read with the run store). */
export type FullSyncReport = RunReport & { plan?: ActionSummary[] };

/**
 * A full reconcile of one source: snapshot → managed identities → plan → guard → apply → report.
 * One per source at a time (a Redis lock, renewed while it runs; losing it stops the run). The run is
 * stored (`running` first, then its outcome) with its plan summary and held removals.
 *
 * Never throws for what goes wrong inside the run (Kratos down, source broken): the report says `failed`
 * or `partial` and why. It throws when the run cannot start: unknown source, or the source is locked
 * (SYNC_ERR_RUN_LOCKED).
 */
export async function runFullSync(
  ctx: SyncContext,
  sourceName: string,
  options: FullSyncOptions,
): Promise<FullSyncReport> {
  const runtime = sourceRuntime(ctx, sourceName);
  const runId = options.runId ?? newRunId(ctx.now());
  const dryRun = options.dryRun ?? false;
  const report: FullSyncReport = newReport({
    id: runId,
    source: sourceName,
    trigger: options.trigger,
    dryRun,
    startedAt: ctx.now(),
  });
  const logger = ctx.logger.child({ source: sourceName, runId });
  const runs = runStoreFor(ctx);
  let lock: SyncLock | undefined;
  if (!dryRun) {
    lock = await acquireSyncLock({
      redis: ctx.redis,
      prefix: ctx.config.redis.prefix,
      source: sourceName,
      logger,
      holder: runId,
    });
  }
  const signal = anySignal([options.signal, lock?.lost]);
  const callsBefore = ctx.kratos.callCounts();
  const started = performance.now();
  try {
    if (!dryRun) await runs.save(report);
    logger.info({ trigger: options.trigger, dryRun }, 'full sync started');
    const snapshot = await readSnapshot(
      { source: runtime.source, mapper: runtime.mapper, logger, now: ctx.now },
      { signal, onRecords: (records) => options.onProgress?.({ phase: 'source', records }) },
    );
    signal?.throwIfAborted();
    recordSnapshot(report, snapshot);
    const phase = (name: string, fields: Record<string, unknown>) =>
      logger.info(
        {
          phase: name,
          ms: Math.round(performance.now() - started),
          rssMb: Math.round(process.memoryUsage.rss() / 1e6),
          ...fields,
        },
        'full sync phase done',
      );
    phase('source', {
      records: snapshot.records,
      desired: snapshot.desired.length,
      complete: snapshot.complete,
    });
    const deps = applyDepsFor(ctx, sourceName, runId);
    const scan = await listManaged(
      { kratos: ctx.kratos, index: deps.index, logger, source: sourceName, concurrency: deps.concurrency },
      {
        desiredEmails: new Set(snapshot.desired.flatMap((d) => (d.email ? [d.email.toLowerCase()] : []))),
        desiredExternalIds: new Set(snapshot.desired.flatMap((d) => (d.externalId ? [d.externalId] : []))),
        desiredByKey: new Map(snapshot.desired.map((d) => [d.key, d])),
        dryRun,
        pageSize: ctx.config.kratos.pageSize,
        signal,
        onListed: (listed) => options.onProgress?.({ phase: 'kratos', listed }),
      },
    );
    // People settled while listing need no planning: let go of their records (memory at 100 000 people).
    snapshot.desired = unsettledDesired(snapshot.desired, scan);
    report.managed = managedCount(scan);
    phase('kratos', { listed: scan.listed, managed: report.managed, unchanged: scan.settledKeys.size });
    const guarded = planAndGuard(ctx, runtime.config, sourceName, snapshot, scan, report);
    phase('plan', {
      actions: guarded.all.length,
      held: guarded.held.length,
      blocked: guarded.blocked.length,
    });
    if (dryRun) {
      report.plan = guarded.all.map(summariseAction);
      return finish(ctx, report, callsBefore, started);
    }
    for (let start = 0; start < guarded.all.length; start += 1000) {
      await runs.appendPlan(runId, guarded.all.slice(start, start + 1000).map(summariseAction));
    }
    if (guarded.held.length > 0) await runs.saveHeld(runId, guarded.held as HeldAction[]);
    await runs.save(report);
    const outcome = await applyPlan(deps, {
      actions: guarded.apply,
      current: currentById(scan),
      runId,
      signal,
      onProgress: ({ done, total }) => options.onProgress?.({ phase: 'apply', done, total }),
      onSettled: (results) => tallyResults(report, results),
    });
    phase('apply', { items: guarded.apply.length });
    report.hookErrors += outcome.hookErrors;
    addAuditRange(report, outcome.auditRange);
    return await finish(ctx, report, callsBefore, started);
  } catch (err) {
    report.status = 'failed';
    report.error = describeFailure(
      err,
      signal?.aborted ? 'SYNC_ERR_RUN_LOCKED' : 'SYNC_ERR_KRATOS_UNAVAILABLE',
    );
    logger.error({ err }, 'full sync failed');
    return await finish(ctx, report, callsBefore, started);
  } finally {
    await lock?.release().catch((err: unknown) => logger.warn({ err }, 'could not release the sync lock'));
  }
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
  const generation = ctx.kratos.capabilities.generation;
  const plan = planSyncDetailed({
    source,
    desired: snapshot.desired,
    managed: [...scan.managed, ...scan.foreign],
    adoptable: scan.unmanagedByEmail,
    adoptByEmail: config.adoptByEmail,
    leaver: config.leaver,
    now: ctx.now(),
    presentKeys: snapshot.presentKeys,
    generation,
  });
  report.unchanged = plan.unchanged + scan.settledKeys.size;
  const actions = [...plan.actions, ...scan.duplicatesOfSettled.map(duplicateSkip)];
  tallyPlan(report, actions);
  const guarded = holdOnUnkeyedRecords(
    guardPlan(actions, {
      snapshotComplete: snapshot.complete,
      managedCount: managedCount(scan),
      guard: config.guard,
    }),
    snapshot.unkeyed,
  );
  report.guard = { held: guarded.held.length, blocked: guarded.blocked.length };
  if (guarded.reason) report.guard.reason = guarded.reason;
  return { ...guarded, all: actions };
}

function managedCount(scan: ManagedScan): number {
  return scan.managed.length + scan.settledKeys.size + scan.duplicatesOfSettled.length;
}

/** Worded as the planner words its own duplicate-key skip. */
function duplicateSkip({ identity, marker }: ManagedIdentity): PlanAction {
  return {
    kind: 'skip',
    key: marker.key,
    identityId: identity.id,
    reason: 'another identity already carries this key; this one is left alone for a person to resolve',
  };
}

/**
 * A record whose key could not be read could be any managed person, so nobody can be ruled out as gone:
 * removals wait for a human (src/sources/types.ts, "bad row").
 */
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

function currentById(scan: ManagedScan): Map<string, Identity> {
  const current = new Map<string, Identity>();
  for (const { identity } of scan.managed) current.set(identity.id, identity);
  for (const identity of scan.unmanagedByEmail.values()) current.set(identity.id, identity);
  return current;
}

async function finish(
  ctx: SyncContext,
  report: FullSyncReport,
  callsBefore: Record<string, number>,
  started: number,
): Promise<FullSyncReport> {
  mergeCalls(report, callDelta(callsBefore, ctx.kratos.callCounts()));
  if (report.status !== 'failed') report.status = settledStatus(report);
  report.finishedAt = ctx.now().toISOString();
  // Measured on the monotonic clock: `ctx.now` may be a test's frozen clock.
  report.durationMs = Math.round(performance.now() - started);
  ctx.logger.info(
    { source: report.source, runId: report.id, status: report.status, counts: report.counts },
    'full sync finished',
  );
  if (!report.dryRun) {
    const runs = runStoreFor(ctx);
    await runs.save(report);
    await runs.prune(report.source);
  }
  return report;
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 0 ? undefined : AbortSignal.any(present);
}
