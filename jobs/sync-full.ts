import { WaitingChildrenError, type Job } from 'bullmq';
import { z } from 'zod';
import { addJob } from '../src/queue/job-queue.ts';
import { defineJob, type JobRun } from '../src/queue/job-definition.ts';
import { isRunId, newRunId } from '../src/store/run-id.ts';
import { runStoreFor } from '../src/sync/apply-deps.ts';
import { describeFailure, withoutValues } from '../src/sync/apply-errors.ts';
import {
  addFailure,
  callDelta,
  countFor,
  mergeCalls,
  settledStatus,
  type FailureItem,
  type RunReport,
  type RunStatus,
} from '../src/sync/report.ts';
import { createMarkerIndex } from '../src/store/marker-index.ts';
import { addTallyToReport, type ChunkTally } from './full-sync/chunk-tally.ts';
import { planRun } from './full-sync/plan-run.ts';
import { runLock } from './full-sync/run-lock.ts';
import type { JobDeps } from './job-deps.ts';
import { syncApplyJob } from './sync-apply.ts';

export const syncFullPayload = z.strictObject({
  source: z.string().min(1),
  trigger: z.enum(['schedule', 'webhook', 'cli', 'api']),
  runId: z.string().refine(isRunId, 'expected a run id such as 20261127T043911123Z-3f9a1c').optional(),
  /** Set by the job itself once its apply chunks are enqueued (identifiers only). */
  stage: z.literal('applying').optional(),
  chunks: z.int().min(0).optional(),
  startedAt: z.iso.datetime().optional(),
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
 * 1. plan (this job): snapshot, managed identities, plan, guard — stored as `runFullSync` stores them;
 *    the actions to apply are cut into chunks, each enqueued as a `sync.apply` child of this job;
 * 2. apply (the children, on any worker): see jobs/sync-apply.ts;
 * 3. finish (this job again, once every child is done): tallies into the report, stores it, releases the
 *    source lock.
 * A worker that dies in any step leaves its job to BullMQ's stalled check, which hands it to another
 * worker; every step may run twice (plan again, chunks settle idempotently, the report is rebuilt).
 */
export const syncFullJob = defineJob<JobDeps>()({
  name: 'sync.full',
  schema: syncFullPayload,
  options: { attempts: 5, backoff: { baseMs: 30_000, maxMs: 600_000 } },
  async handle(run): Promise<SyncFullResult> {
    let payload = run.payload;
    if (payload.stage !== 'applying') {
      payload = await plan(run);
      if (payload.chunks && (await run.job.moveToWaitingChildren(run.token)))
        throw new WaitingChildrenError();
    }
    return await finish(run, payload);
  },
});

async function plan(run: JobRun<SyncFullPayload, JobDeps>): Promise<SyncFullPayload> {
  const { deps, job } = run;
  const { ctx } = deps;
  // The run id is fixed on the job before anything else, so a retry continues the same run.
  const startedAt = run.payload.startedAt ?? ctx.now().toISOString();
  const runId = run.payload.runId ?? newRunId(new Date(startedAt));
  if (!run.payload.runId || !run.payload.startedAt)
    await job.updateData({ ...run.payload, runId, startedAt });
  const lock = runLock({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    source: run.payload.source,
    runId,
    ttlMs: deps.runLockTtlMs,
  });
  await lock.take();
  const trigger = run.payload.trigger;
  const callsBefore = ctx.kratos.callCounts();
  let planned;
  try {
    planned = await planRun(ctx, run.payload.source, {
      runId,
      trigger,
      startedAt: new Date(startedAt),
      signal: run.signal,
    });
  } catch (err) {
    await recordFailure(run, runId, startedAt, err);
    await lock.release();
    throw err;
  }
  mergeCalls(planned.report, callDelta(callsBefore, ctx.kratos.callCounts()));
  await runStoreFor(ctx).save(planned.report);
  const chunks: (typeof planned.apply)[] = [];
  for (let i = 0; i < planned.apply.length; i += deps.chunkSize) {
    chunks.push(planned.apply.slice(i, i + deps.chunkSize));
  }
  await deps.chunks.write(runId, chunks);
  for (let chunk = 0; chunk < chunks.length; chunk++) {
    await addJob(
      deps.queue,
      syncApplyJob,
      { source: run.payload.source, runId, chunk },
      {
        jobId: `sync.apply@${runId}@${chunk}`,
        parent: { id: job.id!, queue: job.queueQualifiedName },
        // A chunk that fails for good must not leave its run waiting for ever: the run finishes and
        // reports the chunk's people as failed.
        ignoreDependencyOnFailure: true,
      },
    );
  }
  run.logger.info({ runId, actions: planned.apply.length, chunks: chunks.length }, 'full sync planned');
  const next: SyncFullPayload = {
    ...run.payload,
    runId,
    startedAt,
    stage: 'applying',
    chunks: chunks.length,
  };
  await job.updateData(next);
  return next;
}

async function finish(
  run: JobRun<SyncFullPayload, JobDeps>,
  payload: SyncFullPayload,
): Promise<SyncFullResult> {
  const { deps, job } = run;
  const { ctx } = deps;
  const runId = payload.runId!;
  const runs = runStoreFor(ctx);
  const report = await runs.get(runId);
  if (!report) throw new Error(`run ${runId} is not in the run store (pruned?)`);
  const chunks = payload.chunks ?? 0;
  const finishedAt = report.finishedAt ? new Date(report.finishedAt) : ctx.now();
  // A retry of this step finds the report already finished: it is not counted twice.
  if (report.status === 'running') {
    if (chunks > 0) await foldChunks(report, job, deps, runId, chunks);
    report.status = settledStatus(report);
    report.finishedAt = finishedAt.toISOString();
    report.durationMs = Math.max(0, finishedAt.getTime() - Date.parse(report.startedAt));
    await runs.save(report);
  }
  await runs.prune(report.source);
  const managed = await createMarkerIndex(ctx.redis, ctx.config.redis.prefix, report.source).count();
  await deps.stats.recordRun(report.source, {
    finishedAt,
    status: report.status,
    quarantined: report.quarantined.total,
    managed,
  });
  await deps.chunks.remove(runId, chunks);
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
    chunks,
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
  runId: string,
  chunks: number,
): Promise<void> {
  const values = await job.getChildrenValues<ChunkTally>();
  for (const tally of Object.values(values)) addTallyToReport(report, tally);
  const failed = await job.getIgnoredChildrenFailures();
  for (const [childKey, reason] of Object.entries(failed)) {
    const chunk = Number(childKey.split('@').at(-1));
    const { settled, remaining } = await deps.chunks.leftovers(runId, chunk);
    if (settled) addTallyToReport(report, settled);
    const code = /^(SYNC_ERR_[A-Z_]+):/.exec(reason)?.[1] ?? 'SYNC_ERR_KRATOS_UNAVAILABLE';
    for (const action of remaining) {
      countFor(report, action.kind).failed += 1;
      const item: FailureItem = {
        kind: action.kind,
        key: action.key,
        error: { code, message: `apply chunk ${chunk} gave up: ${withoutValues(reason)}` },
      };
      if ('identityId' in action && action.identityId) item.identityId = action.identityId;
      addFailure(report, item);
    }
  }
  const seen = Object.keys(values).length + Object.keys(failed).length;
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
  report.status = 'failed';
  report.error = describeFailure(err, 'SYNC_ERR_KRATOS_UNAVAILABLE');
  report.finishedAt = run.deps.ctx.now().toISOString();
  report.durationMs = Math.max(0, Date.now() - Date.parse(startedAt));
  await runs.save(report).catch(() => undefined);
}
