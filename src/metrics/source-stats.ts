import type { RedisClient } from '../queue/redis-connection.ts';
import { runtimeKeys } from '../queue/runtime-keys.ts';

/** Per-source figures /metrics shows, kept in Redis so every replica's /metrics agrees. */
export interface SourceStats {
  /** Unix seconds of the last run that got to the end (completed, partial or held). */
  lastSuccessAt?: number;
  /** Unix seconds of the last run, whatever its outcome. */
  lastRunAt?: number;
  lastStatus?: string;
  /** Records kept out of the last run (invalid, duplicate). */
  quarantined?: number;
  /** Identities carrying this source's marker after the last run. */
  managed?: number;
}

export interface SourceStatsStore {
  recordRun(
    source: string,
    run: { finishedAt: Date; status: string; quarantined: number; managed: number },
  ): Promise<void>;
  read(sources: readonly string[]): Promise<Map<string, SourceStats>>;
}

const REACHED_THE_END = new Set(['completed', 'partial', 'held']);

export function createSourceStatsStore(redis: RedisClient, prefix: string): SourceStatsStore {
  const keys = runtimeKeys(prefix);
  return {
    async recordRun(source, run) {
      const at = Math.floor(run.finishedAt.getTime() / 1000);
      const fields: Record<string, string | number> = {
        lastRunAt: at,
        lastStatus: run.status,
        quarantined: run.quarantined,
        managed: run.managed,
      };
      if (REACHED_THE_END.has(run.status)) fields.lastSuccessAt = at;
      await redis.hset(keys.sourceStats(source), fields);
    },
    async read(sources) {
      const out = new Map<string, SourceStats>();
      for (const source of sources) {
        const raw = await redis.hgetall(keys.sourceStats(source));
        const stats: SourceStats = {};
        for (const field of ['lastSuccessAt', 'lastRunAt', 'quarantined', 'managed'] as const) {
          if (raw[field] !== undefined) stats[field] = Number(raw[field]);
        }
        if (raw.lastStatus) stats.lastStatus = raw.lastStatus;
        out.set(source, stats);
      }
      return out;
    },
  };
}
