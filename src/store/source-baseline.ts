import type { Redis } from 'ioredis';
import { engineKeys } from './keys.ts';

/**
 * How many records a source's last complete full read had: what the next read is compared with, so a
 * source that suddenly returns far fewer people is doubted instead of believed (`guard.maxSourceShrink`).
 * Lost with Redis, like the rest of the engine state: then only an empty read is doubted until the next
 * complete read sets it again.
 */
export interface SourceBaseline {
  get(source: string): Promise<number | null>;
  set(source: string, records: number): Promise<void>;
}

export function createSourceBaseline(redis: Redis, prefix: string): SourceBaseline {
  const keys = engineKeys(prefix);
  return {
    async get(source) {
      const raw = await redis.get(keys.sourceRecords(source));
      const records = raw === null ? NaN : Number(raw);
      return Number.isInteger(records) && records >= 0 ? records : null;
    },
    async set(source, records) {
      await redis.set(keys.sourceRecords(source), String(records));
    },
  };
}
