import { randomBytes } from 'node:crypto';
import { WaitingChildrenError, type Job } from 'bullmq';
import { z } from 'zod';
import { decideFailure } from '../src/queue/failure-policy.ts';
import { addJob } from '../src/queue/job-queue.ts';
import { ORDINARY_JOB_PRIORITY } from '../src/queue/job-order.ts';
import { defineJob, type JobRun } from '../src/queue/job-definition.ts';
import { createMarkerIndex } from '../src/store/marker-index.ts';
import { isRunId, newRunId } from '../src/store/run-id.ts';
import { runStoreFor } from '../src/sync/apply-deps.ts';
import { withoutValues } from '../src/sync/apply-errors.ts';
import { endRun, failRun } from '../src/sync/full-sync-phases.ts';
import {
  addFailure,
  callDelta,
  countFor,
  failureItemOf,
  mergeCalls,
} from '../src/domain/run-report-tally.ts';
import type { RunReport, RunStatus } from '../src/domain/run-report.ts';
import type { ClaimedPlan } from './full-sync/chunk-store.ts';
import { addTallyToReport, type ChunkTally } from './full-sync/chunk-tally.ts';
import { planRun } from './full-sync/plan-run.ts';
import { runLock } from '../src/store/sync-lock.ts';
import type { JobDeps } from './job-deps.ts';
import { requireKnownSource } from './known-source.ts';
import { syncApplyJob } from './sync-apply.ts';

export const syncFullPayload = z.strictObject({
  source: z.string().min(1),
  trigger: z.enum(['schedule', 'webhook', 'cli', 'api']),
  runId: z.string().refine(isRunId, 'expected a run id such as 20261127T043911123Z-3f9a1c').optional(),
  startedAt: z.iso.datetime().optional(),
  /** Set by the job itself once its apply chunks are enqueued (identifiers only). */
  stage: z.literal('applying').optional(),
});
type SyncFullPayload = z.output<typeof syncFullPayload>;

/** What the job keeps as its result: the run's outcome in figures (the full report is in the run store). */
export interface SyncFullResult {
  runId: string;
  status: RunStatus;
  chunks: number;
  counts: RunReport['counts'];
  quarantined: number;
  failures: number;
}

/**
 * A source's full reconcile, split so every worker process shares it:
 * 1. plan (this job): the run's first half, shared with the in-process `runFullSync`
 *    (src/sync/full-sync-phases.ts: snapshot, managed identities, plan, guard, stored); the actions to
 *    apply are cut into chunks, each enqueued as a `sync.apply` child of this job;
 * 2. apply (the children, on any worker): see jobs/sync-apply.ts;
 * 3. finish (this job again, once every child is done): tallies into the report, then the shared second
 *    half (`endRun`), and releases the source lock.
 * A worker that dies in any step leaves its job to BullMQ's stalled check, which hands it to another
 * worker. A plan step that runs again finds the plan the run already settled on (jobs/full-sync/
 * chunk-store.ts) and only re-adds its chunks (same job ids: no chunk twice); chunks settle idempotently;
 * the finish step does not count twice.
 */
export const syncFullJob = defineJob<JobDeps>()({
  name: 'sync.full',
  schema: syncFullPayload,
  options: { attempts: 5, backoff: { baseMs: 30_000, maxMs: 600_000 }, stopWhenKratosDown: true },
  async handle(run): Promise<SyncFullResult> {
    requireKnownSource(run.deps.ctx, run.payload.source);
    const runId = await fixRunId(run);
    const claim =
      (run.payload.stage === 'applying' && (await run.deps.chunks.claimed(runId))) ||
      (await plan(run, runId));
    if (run.payload.stage !== 'applying') {
      await enqueueChunks(run, runId, claim);
      if (claim.chunks > 0 && (await run.job.moveToWaitingChildren(run.token)))
        throw new WaitingChildrenError();
    }
    return await finish(run, runId, claim);
  },
});

/** The run id is fixed on the job before anything else, so every retry continues the same run. */
async function fixRunId(run: JobRun<SyncFullPayload, JobDeps>): Promise<string> {
  if (run.payload.runId && run.payload.startedAt) return run.payload.runId;
  const startedAt = run.payload.startedAt ?? run.deps.ctx.now().toISOString();
  const runId = run.payload.runId ?? newRunId(new Date(startedAt));
  run.payload = { ...run.payload, runId, startedAt };
  await run.job.updateData(run.payload);
  return runId;
}

/** The plan the run settled on: an earlier plan step's, or this one's. */
async function plan(run: JobRun<SyncFullPayload, JobDeps>, runId: string): Promise<ClaimedPlan> {
  const { deps } = run;
  const { ctx } = deps;
  const earlier = await deps.chunks.claimed(runId);
  if (earlier) {
    run.logger.info({ runId, plan: earlier.plan }, 'full sync resumes the plan it already made');
    return earlier;
  }
  const lock = runLock({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    source: run.payload.source,
    runId,
    ttlMs: deps.runLockTtlMs,
  });
  await lock.take();
  const startedAt = run.payload.startedAt!;
  const callsBefore = ctx.kratos.callCounts();
  let planned;
  try {
    planned = await planRun(ctx, run.payload.source, {
      runId,
      trigger: run.payload.trigger,
      startedAt: new Date(startedAt),
      signal: run.signal,
    });
  } catch (err) {
    await recordFailure(run, runId, startedAt, err);
    await lock.release();
    throw err;
  }
  // A planner that lost its job lock (a stalled check gave the job to another worker) stops here.
  run.signal.throwIfAborted();
  mergeCalls(planned.report, callDelta(callsBefore, ctx.kratos.callCounts()));
  await runStoreFor(ctx).save(planned.report);
  const chunks: (typeof planned.apply)[] = [];
  for (let i = 0; i < planned.apply.length; i += deps.chunkSize) {
    chunks.push(planned.apply.slice(i, i + deps.chunkSize));
  }
  const claim = await deps.chunks.writeAndClaim(
    runId,
    randomBytes(4).toString('hex'),
    chunks,
    planned.report,
  );
  run.logger.info({ runId, plan: claim.plan, chunks: claim.chunks }, 'full sync planned');
  return claim;
}

async function enqueueChunks(run: JobRun<SyncFullPayload, JobDeps>, runId: string, claim: ClaimedPlan) {
  const { job, deps } = run;
  for (let chunk = 0; chunk < claim.chunks; chunk++) {
    await addJob(
      deps.queue,
      syncApplyJob,
      { source: run.payload.source, runId, plan: claim.plan, chunk },
      {
        // Deterministic: a plan step that runs again adds no chunk twice.
        jobId: `sync.apply@${runId}@${claim.plan}@${chunk}`,
        parent: { id: job.id!, queue: job.queueQualifiedName },
        // A chunk that fails for good must not leave its run waiting for ever: the run finishes and
        // reports the chunk's people as failed.
        ignoreDependencyOnFailure: true,
        // In arrival order with ordinary person events: a big run must not hold them back until it is
        // applied, nor they it; leavers still go first.
        priority: ORDINARY_JOB_PRIORITY,
      },
    );
  }
  run.payload = { ...run.payload, stage: 'applying' };
  await job.updateData(run.payload);
}

async function finish(
  run: JobRun<SyncFullPayload, JobDeps>,
  runId: string,
  claim: ClaimedPlan,
): Promise<SyncFullResult> {
  const { deps, job } = run;
  const { ctx } = deps;
  const runs = runStoreFor(ctx);
  const stored = await runs.get(runId);
  // A retry of this step finds the report already finished: it is not counted twice.
  const finished = stored && stored.status !== 'running';
  const report = finished ? stored : structuredClone(claim.report);
  const finishedAt = report.finishedAt ? new Date(report.finishedAt) : ctx.now();
  if (!finished) {
    if (claim.chunks > 0)
      await foldChunks(report, job, deps, { runId, plan: claim.plan, chunks: claim.chunks });
    await endRun(ctx, report, {
      finishedAt,
      durationMs: Math.max(0, finishedAt.getTime() - Date.parse(report.startedAt)),
    });
  }
  await runs.prune(report.source);
  const managed = await createMarkerIndex(ctx.redis, ctx.config.redis.prefix, report.source).count();
  await deps.stats.recordRun(report.source, {
    finishedAt,
    status: report.status,
    quarantined: report.quarantined.total,
    managed,
  });
  await deps.chunks.removeRun(runId);
  await runLock({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    source: report.source,
    runId,
    ttlMs: 1,
  }).release();
  run.logger.info({ runId, status: report.status, counts: report.counts }, 'full sync finished');
  return {
    runId,
    status: report.status,
    chunks: claim.chunks,
    counts: report.counts,
    quarantined: report.quarantined.total,
    failures: report.failures.total,
  };
}

/**
 * Add every chunk's tally. A chunk that failed for good (no attempt left) counts what it settled before,
 * and the people it still held count as failed with the chunk's reason.
 */
async function foldChunks(
  report: RunReport,
  job: Job,
  deps: JobDeps,
  target: { runId: string; plan: string; chunks: number },
): Promise<void> {
  const { runId, plan, chunks } = target;
  const ours = <T>(entries: Record<string, T>) =>
    Object.entries(entries).filter(([childKey]) => childKey.includes(`@${runId}@${plan}@`));
  const values = ours(await job.getChildrenValues<ChunkTally>());
  for (const [, tally] of values) addTallyToReport(report, tally);
  const failed = ours(await job.getIgnoredChildrenFailures());
  for (const [childKey, reason] of failed) {
    const chunk = Number(childKey.split('@').at(-1));
    const { settled, remaining, failureCode } = await deps.chunks.leftovers({ runId, plan, chunk });
    if (settled) addTallyToReport(report, settled);
    const code = failureCode ?? 'SYNC_ERR_KRATOS_UNAVAILABLE';
    const message = `apply chunk ${chunk} gave up: ${withoutValues(reason)}`;
    for (const action of remaining) {
      countFor(report, action.kind).failed += 1;
      addFailure(report, failureItemOf({ action, error: { code, message } }));
    }
  }
  const seen = values.length + failed.length;
  if (seen < chunks) {
    report.error = {
      code: 'SYNC_ERR_KRATOS_UNAVAILABLE',
      message: `${chunks - seen} apply chunk(s) left no result`,
    };
  }
}

async function recordFailure(
  run: JobRun<SyncFullPayload, JobDeps>,
  runId: string,
  startedAt: string,
  err: unknown,
): Promise<void> {
  const runs = runStoreFor(run.deps.ctx);
  const report = await runs.get(runId);
  if (!report) return;
  failRun(report, err, 'SYNC_ERR_KRATOS_UNAVAILABLE');
  if (willRunAgain(run, err)) report.retryScheduled = true;
  report.finishedAt = run.deps.ctx.now().toISOString();
  report.durationMs = Math.max(0, Date.now() - Date.parse(startedAt));
  await runs.save(report).catch(() => undefined);
}

/**
 * Whether the queue takes this run up again after this failure, as src/queue/processor.ts decides it: a
 * permanent error ends it; Kratos down or rate limited returns it without using an attempt; anything else
 * (an abort included) is retried while attempts are left. The report says so, and no one is told "failed"
 * about a run that is not over.
 */
function willRunAgain(run: JobRun<SyncFullPayload, JobDeps>, err: unknown): boolean {
  const decision = run.signal.aborted ? { kind: 'retry' as const } : decideFailure(err);
  if (decision.kind === 'fail') return false;
  if (decision.kind !== 'retry') return true;
  return run.job.attemptsMade + 1 < (run.job.opts.attempts ?? 1);
}
