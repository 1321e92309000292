import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { redisLock } from './redis-lock.ts';

export interface RedisMutexOptions {
  /** The lock expires by itself after this long (a holder that died). @defaultValue 10 000 ms */
  ttlMs?: number;
  /** Give up (throw) after waiting this long for the lock. @defaultValue 15 000 ms */
  waitMs?: number;
}

/**
 * Run `work` while holding a short lock shared by every process on this Redis (a `redisLock` with a random
 * token: src/store/redis-lock.ts; released only if still ours). For read-modify-write steps of a few milliseconds that different
 * workers may attempt at once; not renewed, so `work` must be much shorter than `ttlMs`.
 */
export async function withRedisMutex<T>(
  redis: Redis | Cluster,
  key: string,
  work: () => Promise<T>,
  options: RedisMutexOptions = {},
): Promise<T> {
  const ttlMs = options.ttlMs ?? 10_000;
  const deadline = Date.now() + (options.waitMs ?? 15_000);
  const lock = redisLock({ redis, keys: [key], token: randomBytes(12).toString('hex'), ttlMs });
  while (!(await lock.tryTake())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
