import { acquireSyncLock, type SyncLock } from '../store/sync-lock.ts';
import { newRunId } from '../store/run-id.ts';
import { applyPlan } from './apply.ts';
import { runStoreFor, sourceRuntime } from './apply-deps.ts';
import type { SyncContext } from './context.ts';
import { beginRun, endRun, failRun, phaseLogger } from './full-sync-phases.ts';
import type { SyncProgress } from './plan-full-sync.ts';
import { addAuditRange, callDelta, mergeCalls, tallyResults } from '../domain/run-report-tally.ts';
import { newReport, type RunReport, type RunTrigger } from '../domain/run-report.ts';
import { summariseAction, type ActionSummary } from '../domain/action-summary.ts';

export interface FullSyncOptions {
  /** Plan only: nothing is written to Kratos or Redis; the report carries the plan. */
  dryRun?: boolean;
  trigger: RunTrigger;
  /** Who started it, when a person did in the console (`console:<user>`): in the report and on every audit entry. */
  by?: string;
  /** Use this id (e.g. the queue job's) instead of a fresh one. */
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  /**
   * Told once the run holds the source's lock and its report is stored as `running`, so a caller that does
   * not wait for the whole run (the console's Sync now) can point at it.
   */
  onStarted?: () => void;
}

/** A run's report; a dry run's also carries its plan (a stored run's plan is read with the run store). */
export type FullSyncReport = RunReport & { plan?: ActionSummary[] };

/**
 * A full reconcile of one source in this process: snapshot → managed identities → plan → guard → apply →
 * report, started and finished by the steps every runner shares (src/sync/full-sync-phases.ts), applying
 * in place where the queue's `sync.full` job spreads chunk jobs. One per source at a time (a Redis lock,
 * renewed while it runs; losing it stops the run).
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
  sourceRuntime(ctx, sourceName); // an unknown source throws here, before any lock is taken
  const runId = options.runId ?? newRunId(ctx.now());
  const dryRun = options.dryRun ?? false;
  const report: FullSyncReport = newReport({
    id: runId,
    source: sourceName,
    trigger: options.trigger,
    ...(options.by ? { by: options.by } : {}),
    dryRun,
    startedAt: ctx.now(),
  });
  const logger = ctx.logger.child({ source: sourceName, runId });
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
    logger.info({ trigger: options.trigger, dryRun }, 'full sync started');
    const phase = phaseLogger(logger, started);
    const { guarded, current, deps } = await beginRun(ctx, report, {
      logger,
      ...(signal ? { signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onStarted ? { onStored: options.onStarted } : {}),
      onPhase: phase,
    });
    if (dryRun) {
      report.plan = guarded.all.map(summariseAction);
      return finish(ctx, report, callsBefore, started);
    }
    const outcome = await applyPlan(deps, {
      actions: guarded.apply,
      current,
      runId,
      ...(options.by ? { by: options.by } : {}),
      signal,
      onProgress: ({ done, total }) => options.onProgress?.({ phase: 'apply', done, total }),
      onSettled: (results) => tallyResults(report, results),
    });
    phase('apply', { items: guarded.apply.length });
    report.hookErrors += outcome.hookErrors;
    addAuditRange(report, outcome.auditRange);
    return await finish(ctx, report, callsBefore, started);
  } catch (err) {
    failRun(report, err, signal?.aborted ? 'SYNC_ERR_RUN_LOCKED' : 'SYNC_ERR_KRATOS_UNAVAILABLE');
    logger.error({ err }, 'full sync failed');
    return await finish(ctx, report, callsBefore, started);
  } finally {
    await lock?.release().catch((err: unknown) => logger.warn({ err }, 'could not release the sync lock'));
  }
}

async function finish(
  ctx: SyncContext,
  report: FullSyncReport,
  callsBefore: Record<string, number>,
  started: number,
): Promise<FullSyncReport> {
  mergeCalls(report, callDelta(callsBefore, ctx.kratos.callCounts()));
  // Measured on the monotonic clock: `ctx.now` may be a test's frozen clock.
  await endRun(ctx, report, {
    finishedAt: ctx.now(),
    durationMs: Math.round(performance.now() - started),
  });
  ctx.logger.info(
    { source: report.source, runId: report.id, status: report.status, counts: report.counts },
    'full sync finished',
  );
  if (!report.dryRun) await runStoreFor(ctx).prune(report.source);
  return report;
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 0 ? undefined : AbortSignal.any(present);
}
