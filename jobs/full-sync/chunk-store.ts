import type { SyncErrorCode } from '../../src/errors/catalogue.ts';
import { catalogueCode } from '../../src/errors/describe-error.ts';
import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { runtimeKeys } from '../../src/queue/runtime-keys.ts';
import type { RunReport } from '../../src/domain/run-report.ts';
import type { PlanAction } from '../../src/domain/plan.ts';
import { emptyTally, mergeTally, type ChunkTally } from './chunk-tally.ts';

export interface ChunkRef {
  runId: string;
  /** The plan the chunk belongs to. */
  plan: string;
  chunk: number;
}

/** The plan a run settled on. */
export interface ClaimedPlan {
  plan: string;
  chunks: number;
  /** The report as planned (status `running`): the base the finished report is built on. */
  report: RunReport;
}

/**
 * The plans of split full syncs, kept in Redis between the plan step and the apply chunk jobs.
 *
 * Creates and updates carry the desired identity (traits: personal data), which must not go into job data
 * (it stays in Redis for days and shows in the dashboard). So a chunk job carries only
 * (source, run id, plan id, chunk number) and its actions live under run-scoped keys that expire after
 * `ttlMs` and are deleted when the run finishes. What a chunk has already applied is tallied next to it
 * (counts, value-free failures), so a retry applies only what is left.
 *
 * A run settles on one plan: the first plan step to finish writing its chunks claims the run; a plan step
 * that ran again (after a crash) or at the same time (a frozen worker whose job was handed on) finds the
 * claim and uses that plan instead of its own, so a run's chunks are never planned twice.
 */
export interface ChunkStore {
  /** The plan the run settled on, if a plan step got that far. */
  claimed(runId: string): Promise<ClaimedPlan | null>;
  /** Write a plan's chunks, then claim the run for it unless another plan did first; returns the winner. */
  writeAndClaim(runId: string, plan: string, chunks: PlanAction[][], report: RunReport): Promise<ClaimedPlan>;
  read(ref: ChunkRef): Promise<PlanAction[] | null>;
  /** Keep only `remaining` for the next attempt and add what was settled to the chunk's tally. */
  settle(ref: ChunkRef, settled: ChunkTally, remaining: PlanAction[]): Promise<ChunkTally>;
  /**
   * The catalogue code of the chunk's latest failed attempt, the code its leftovers are reported with;
   * undefined (a failure without one) forgets an earlier attempt's, so the last attempt always decides.
   */
  noteFailure(ref: ChunkRef, code: SyncErrorCode | undefined): Promise<void>;
  /** What a chunk that gave up had settled, the actions it still held, and why (`noteFailure`). */
  leftovers(
    ref: ChunkRef,
  ): Promise<{ settled: ChunkTally | null; remaining: PlanAction[]; failureCode: SyncErrorCode | undefined }>;
  /** Every chunk of every plan of the run, and the claim. */
  removeRun(runId: string): Promise<void>;
}

export function createChunkStore(options: { redis: RedisClient; prefix: string; ttlMs: number }): ChunkStore {
  const keys = runtimeKeys(options.prefix);
  const { redis, ttlMs } = options;
  const chunkKey = (ref: ChunkRef) => keys.runChunk(ref.runId, ref.plan, ref.chunk);
  const tallyKey = (ref: ChunkRef) => `${chunkKey(ref)}:tally`;
  const failureKey = (ref: ChunkRef) => `${chunkKey(ref)}:failure`;
  const store: ChunkStore = {
    async claimed(runId) {
      const raw = await redis.get(keys.runApplyPlan(runId));
      return raw ? (JSON.parse(raw) as ClaimedPlan) : null;
    },
    async writeAndClaim(runId, plan, chunks, report) {
      const multi = redis.multi();
      multi
        .sadd(keys.runApplyPlans(runId), `${plan}:${chunks.length}`)
        .pexpire(keys.runApplyPlans(runId), ttlMs);
      chunks.forEach((actions, chunk) => {
        multi.set(chunkKey({ runId, plan, chunk }), JSON.stringify(actions), 'PX', ttlMs);
      });
      await multi.exec();
      // Chunks first, claim second: a winner's chunks are always readable by the time anyone sees its claim.
      const claim: ClaimedPlan = { plan, chunks: chunks.length, report };
      const won = await redis.set(keys.runApplyPlan(runId), JSON.stringify(claim), 'PX', ttlMs, 'NX');
      return won === 'OK' ? claim : ((await store.claimed(runId)) ?? claim);
    },
    async read(ref) {
      const raw = await redis.get(chunkKey(ref));
      return raw === null ? null : (JSON.parse(raw) as PlanAction[]);
    },
    async settle(ref, settled, remaining) {
      const raw = await redis.get(tallyKey(ref));
      const tally = mergeTally(raw ? (JSON.parse(raw) as ChunkTally) : emptyTally(), settled);
      await redis
        .multi()
        .set(tallyKey(ref), JSON.stringify(tally), 'PX', ttlMs)
        .set(chunkKey(ref), JSON.stringify(remaining), 'PX', ttlMs)
        .exec();
      return tally;
    },
    async noteFailure(ref, code) {
      if (code === undefined) await redis.del(failureKey(ref));
      else await redis.set(failureKey(ref), code, 'PX', ttlMs);
    },
    async leftovers(ref) {
      const [tally, actions, failure] = await Promise.all([
        redis.get(tallyKey(ref)),
        redis.get(chunkKey(ref)),
        redis.get(failureKey(ref)),
      ]);
      return {
        settled: tally ? (JSON.parse(tally) as ChunkTally) : null,
        remaining: actions ? (JSON.parse(actions) as PlanAction[]) : [],
        failureCode: catalogueCode({ code: failure }),
      };
    },
    async removeRun(runId) {
      const all: string[] = [keys.runApplyPlans(runId), keys.runApplyPlan(runId)];
      for (const entry of await redis.smembers(keys.runApplyPlans(runId))) {
        const [plan = '', count = '0'] = entry.split(':');
        for (let chunk = 0; chunk < Number(count); chunk++) {
          const ref = { runId, plan, chunk };
          all.push(chunkKey(ref), tallyKey(ref), failureKey(ref));
        }
      }
      for (let i = 0; i < all.length; i += 500) await redis.del(...all.slice(i, i + 500));
    },
  };
  return store;
}
