import { newReport, type RunReport, type RunTrigger } from '../../src/domain/run-report.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { beginRun, phaseLogger } from '../../src/sync/full-sync-phases.ts';
import type { PlanAction } from '../../src/domain/plan.ts';

export interface PlannedRun {
  /** The run's report so far (status `running`): snapshot, plan counts, guard, quarantine. */
  report: RunReport;
  /** Guarded actions to apply now (creates, updates, and removals the guard let through). */
  apply: PlanAction[];
}

/**
 * The plan step of a queued full sync: the run's first half as every runner does it
 * (src/sync/full-sync-phases.ts), for a run whose id and start time the job fixed. The apply half runs as
 * chunk jobs spread over every worker (jobs/sync-apply.ts), and the report is finished by jobs/sync-full.ts.
 */
export async function planRun(
  ctx: SyncContext,
  sourceName: string,
  options: { runId: string; trigger: RunTrigger; startedAt: Date; signal?: AbortSignal },
): Promise<PlannedRun> {
  const report = newReport({
    id: options.runId,
    source: sourceName,
    trigger: options.trigger,
    dryRun: false,
    startedAt: options.startedAt,
  });
  const logger = ctx.logger.child({ source: sourceName, runId: options.runId });
  // As the in-process run logs them: where a planning worker's time goes.
  const phase = phaseLogger(logger, performance.now());
  const { guarded } = await beginRun(ctx, report, {
    logger,
    ...(options.signal ? { signal: options.signal } : {}),
    onPhase: phase,
  });
  phase('stored', { apply: guarded.apply.length });
  return { report, apply: guarded.apply };
}
