import { createHash } from 'node:crypto';
import type { RedisClient } from '../queue/redis-connection.ts';
import { runtimeKeys } from '../queue/runtime-keys.ts';

/**
 * Remembers accepted webhook signatures for as long as their timestamp could still pass the freshness
 * check (twice the tolerance covers a timestamp at the far edge in either direction), so a captured request
 * sent again is refused. Only a hash of the signature is stored. Shared by every replica through Redis.
 */
export interface ReplayGuard {
  /** True the first time a signature is seen, false for a replay. */
  firstSeen(source: string, digest: string, toleranceSeconds: number): Promise<boolean>;
}

export function createReplayGuard(redis: RedisClient, prefix: string): ReplayGuard {
  const keys = runtimeKeys(prefix);
  return {
    async firstSeen(source, digest, toleranceSeconds) {
      const id = createHash('sha256').update(digest).digest('hex').slice(0, 32);
      const set = await redis.set(keys.webhookSeen(source, id), '1', 'EX', toleranceSeconds * 2, 'NX');
      return set === 'OK';
    },
  };
}
