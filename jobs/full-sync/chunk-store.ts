import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { runtimeKeys } from '../../src/queue/runtime-keys.ts';
import type { PlanAction } from '../../src/sync/types.ts';
import { emptyTally, mergeTally, type ChunkTally } from './chunk-tally.ts';

/**
 * The actions of a run's apply chunks, kept in Redis between the plan and the chunk jobs.
 *
 * Creates and updates carry the desired identity (traits: personal data), which must not go into job data
 * (it stays in Redis for days and shows in the dashboard, STYLE.md E23). So a chunk job carries only
 * (source, run id, chunk number) and its actions live under a run-scoped key that expires after `ttlMs` and
 * is deleted as soon as the chunk is applied. What a chunk has already applied is tallied next to it
 * (counts, value-free failures), so a retry applies only what is left.
 */
export interface ChunkStore {
  write(runId: string, chunks: PlanAction[][]): Promise<void>;
  read(runId: string, chunk: number): Promise<PlanAction[] | null>;
  /** Keep only `remaining` for the next attempt and add what was settled to the chunk's tally. */
  settle(runId: string, chunk: number, settled: ChunkTally, remaining: PlanAction[]): Promise<ChunkTally>;
  /** What a chunk that gave up had settled, and the actions it still held. */
  leftovers(runId: string, chunk: number): Promise<{ settled: ChunkTally | null; remaining: PlanAction[] }>;
  remove(runId: string, chunks: number): Promise<void>;
}

export function createChunkStore(options: { redis: RedisClient; prefix: string; ttlMs: number }): ChunkStore {
  const keys = runtimeKeys(options.prefix);
  const { redis, ttlMs } = options;
  const tallyKey = (runId: string, chunk: number) => `${keys.runChunk(runId, chunk)}:tally`;
  return {
    async write(runId, chunks) {
      const multi = redis.multi();
      chunks.forEach((actions, index) => {
        multi.set(keys.runChunk(runId, index), JSON.stringify(actions), 'PX', ttlMs);
        multi.del(tallyKey(runId, index));
      });
      await multi.exec();
    },
    async read(runId, chunk) {
      const raw = await redis.get(keys.runChunk(runId, chunk));
      return raw === null ? null : (JSON.parse(raw) as PlanAction[]);
    },
    async settle(runId, chunk, settled, remaining) {
      const raw = await redis.get(tallyKey(runId, chunk));
      const tally = mergeTally(raw ? (JSON.parse(raw) as ChunkTally) : emptyTally(), settled);
      await redis
        .multi()
        .set(tallyKey(runId, chunk), JSON.stringify(tally), 'PX', ttlMs)
        .set(keys.runChunk(runId, chunk), JSON.stringify(remaining), 'PX', ttlMs)
        .exec();
      return tally;
    },
    async leftovers(runId, chunk) {
      const [tally, actions] = await Promise.all([
        redis.get(tallyKey(runId, chunk)),
        redis.get(keys.runChunk(runId, chunk)),
      ]);
      return {
        settled: tally ? (JSON.parse(tally) as ChunkTally) : null,
        remaining: actions ? (JSON.parse(actions) as PlanAction[]) : [],
      };
    },
    async remove(runId, chunks) {
      const all: string[] = [];
      for (let i = 0; i < chunks; i++) all.push(keys.runChunk(runId, i), tallyKey(runId, i));
      for (let i = 0; i < all.length; i += 500) await redis.del(...all.slice(i, i + 500));
    },
  };
}
