import { runStoreFor } from '../../src/sync/apply-deps.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { planFullSync, storePlan } from '../../src/sync/plan-full-sync.ts';
import { newReport, type RunReport, type RunTrigger } from '../../src/domain/run-report.ts';
import type { PlanAction } from '../../src/domain/plan.ts';

export interface PlannedRun {
  /** The run's report so far (status `running`): snapshot, plan counts, guard, quarantine. */
  report: RunReport;
  /** Guarded actions to apply now (creates, updates, and removals the guard let through). */
  apply: PlanAction[];
}

/**
 * The first half of a full reconcile for the queue: the engine's own `planFullSync` (snapshot → managed
 * identities → plan → guard), stored like `runFullSync` stores it (report `running`, plan summary, held
 * removals). The apply half runs as chunk jobs spread over every worker (jobs/sync-apply.ts), and the
 * report is finished by jobs/sync-full.ts.
 */
export async function planRun(
  ctx: SyncContext,
  sourceName: string,
  options: { runId: string; trigger: RunTrigger; startedAt: Date; signal?: AbortSignal },
): Promise<PlannedRun> {
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
  const { guarded } = await planFullSync(ctx, sourceName, report, {
    runId: options.runId,
    dryRun: false,
    logger,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await storePlan(runs, report, guarded);
  await runs.save(report);
  return { report, apply: guarded.apply };
}
