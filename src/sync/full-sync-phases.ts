import { settledStatus, type RunReport } from '../domain/run-report.ts';
import type { Logger } from '../log/logger.ts';
import { runStoreFor } from './apply-deps.ts';
import { describeFailure } from './apply-errors.ts';
import type { SyncContext } from './context.ts';
import { planFullSync, storePlan, type PlannedFullSync, type SyncProgress } from './plan-full-sync.ts';
import { noteUncertainInvites } from './report-invites.ts';

/**
 * The one orchestration of a full sync, shared by its two runners: `runFullSync` (src/sync/run-full-sync.ts)
 * applies in this process (the CLI, the console's Sync now), and the queue's `sync.full` job
 * (jobs/sync-full.ts) spreads the apply over every worker as chunk jobs. Both start a run with `beginRun`
 * and end it with `endRun`; only the apply between them, the lock and the clock differ. So a run's
 * report reads the same whichever runner made it.
 */

/**
 * The first half: the report is stored as `running`, then snapshot → managed identities → plan → guard are
 * recorded in it, and the plan summary and the held removals are stored with it. A dry run stores nothing.
 * The actions to apply are `guarded.apply`.
 */
export async function beginRun(
  ctx: SyncContext,
  report: RunReport,
  options: {
    logger: Logger;
    signal?: AbortSignal;
    onProgress?: (progress: SyncProgress) => void;
    onPhase?: (phase: string, fields: Record<string, unknown>) => void;
    /** Told once the report is stored as `running` (not for a dry run): the run can be looked up now. */
    onStored?: () => void;
  },
): Promise<PlannedFullSync> {
  const runs = runStoreFor(ctx);
  if (!report.dryRun) {
    await runs.save(report);
    options.onStored?.();
  }
  const planned = await planFullSync(ctx, report.source, report, {
    runId: report.id,
    dryRun: report.dryRun,
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onPhase ? { onPhase: options.onPhase } : {}),
  });
  if (report.dryRun) return planned;
  await storePlan(runs, report, planned.guarded);
  await runs.save(report);
  return planned;
}

/**
 * The second half, once every applied action is tallied into the report: its status settles (a failed run
 * stays failed), the source's uncertain invites are noted, the end is stamped, and the report is stored
 * (not a dry run's). Old runs beyond the kept number are the runner's to prune.
 */
export async function endRun(
  ctx: SyncContext,
  report: RunReport,
  end: { finishedAt: Date; durationMs: number },
): Promise<void> {
  if (report.status !== 'failed') report.status = settledStatus(report);
  await noteUncertainInvites(ctx, report);
  report.finishedAt = end.finishedAt.toISOString();
  report.durationMs = end.durationMs;
  if (!report.dryRun) await runStoreFor(ctx).save(report);
}

/**
 * Logs each finished phase of a run (`full sync phase done`) with the time since `started` (a
 * `performance.now()` reading) and the process's RSS: where a run's time and memory go, read from its log.
 */
export function phaseLogger(
  logger: Logger,
  started: number,
): (phase: string, fields: Record<string, unknown>) => void {
  return (phase, fields) =>
    logger.info(
      {
        phase,
        ms: Math.round(performance.now() - started),
        rssMb: Math.round(process.memoryUsage.rss() / 1e6),
        ...fields,
      },
      'full sync phase done',
    );
}

/** A run that could not go on: failed, with the error's catalogue code (or `fallbackCode`) and no values. */
export function failRun(report: RunReport, err: unknown, fallbackCode: string): void {
  report.status = 'failed';
  report.error = describeFailure(err, fallbackCode);
}
