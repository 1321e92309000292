import { DelayedError, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { catalogueCode } from '../src/errors/describe-error.ts';
import { defineJob } from '../src/queue/job-definition.ts';
import { isRunId } from '../src/store/run-id.ts';
import { applyPlan } from '../src/sync/apply.ts';
import { applyDepsFor } from '../src/sync/apply-deps.ts';
import { callDelta } from '../src/domain/run-report-tally.ts';
import { runLock } from '../src/store/sync-lock.ts';
import { tallyItems, type ChunkTally } from './full-sync/chunk-tally.ts';
import type { JobDeps } from './job-deps.ts';
import { requireKnownSource } from './known-source.ts';
import { errorFromReport, isTransientCode } from './transient-codes.ts';

/** How long a chunk waits when a person in it is being synced by another job. */
const PERSON_BUSY_RETRY_MS = 1_000;

export const syncApplyPayload = z.strictObject({
  source: z.string().min(1),
  runId: z.string().refine(isRunId, 'expected a run id such as 20261127T043911123Z-3f9a1c'),
  plan: z.string().regex(/^[0-9a-f]{8}$/, 'expected a plan id (8 hex digits)'),
  chunk: z.int().min(0),
});

/**
 * One apply chunk of a full sync (a child of its `sync.full` job): the chunk's actions are read from the
 * run's chunk store, every person in it is locked, and the engine's `applyPlan` carries them out. People
 * who failed for a transient reason are kept for the next attempt — which the queue holds back while Kratos
 * is down — and only they are applied again; everything settled is tallied once.
 */
export const syncApplyJob = defineJob<JobDeps>()({
  name: 'sync.apply',
  schema: syncApplyPayload,
  options: { attempts: 10, backoff: { baseMs: 2_000, maxMs: 120_000 }, stopWhenKratosDown: true },
  async handle({ payload, deps, job, token, signal, logger }): Promise<ChunkTally> {
    requireKnownSource(deps.ctx, payload.source);
    const { source, runId, chunk } = payload;
    const ref = { runId, plan: payload.plan, chunk };
    const actions = await deps.chunks.read(ref);
    if (actions === null) {
      throw new UnrecoverableError(
        `SYNC_ERR_JOB_PAYLOAD: the actions of chunk ${chunk} of run ${runId} are gone (expired?); run the sync again`,
      );
    }
    const locks = await deps.locks.tryAcquire(
      actions.map((action) => ({ source, key: action.key })),
      `sync.apply:${runId}:${chunk}`,
    );
    if (!locks) {
      // Someone is syncing one of these people right now: come back shortly, without using an attempt.
      await job.moveToDelayed(Date.now() + PERSON_BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    try {
      return await deps.applyOneAtATime(async () => {
        const lock = runLock({
          redis: deps.ctx.redis,
          prefix: deps.ctx.config.redis.prefix,
          source,
          runId,
          ttlMs: deps.runLockTtlMs,
        });
        await lock.renew();
        const callsBefore = deps.ctx.kratos.callCounts();
        const outcome = await applyPlan(applyDepsFor(deps.ctx, source, runId, { keepImages: true }), {
          actions,
          current: new Map(),
          runId,
          signal: AbortSignal.any([signal, locks.lost]),
        });
        const unfinished = outcome.results.filter(
          (r) => r.outcome === 'failed' && isTransientCode(r.error?.code),
        );
        const settled = outcome.results.filter((r) => !unfinished.includes(r));
        const tally = await deps.chunks.settle(
          ref,
          tallyItems(settled, {
            auditRange: outcome.auditRange,
            hookErrors: outcome.hookErrors,
            kratosCalls: callDelta(callsBefore, deps.ctx.kratos.callCounts()),
          }),
          unfinished.map((r) => r.action),
        );
        if (unfinished.length > 0) {
          logger.warn(
            { chunk, unfinished: unfinished.length, settled: settled.length },
            'some changes of the chunk could not reach Kratos; they are retried',
          );
          throw errorFromReport(unfinished[0]!.error!);
        }
        return tally;
      });
    } catch (err) {
      // The failed reason BullMQ keeps is text: the code the chunk's leftovers are reported with is kept
      // beside them instead, as a field (best effort: a Redis that fails here fails the report's read too).
      await deps.chunks.noteFailure(ref, catalogueCode(err)).catch(() => {});
      throw err;
    } finally {
      await locks.release();
    }
  },
});
