import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface RedisMutexOptions {
  /** The lock expires by itself after this long (a holder that died). @defaultValue 10 000 ms */
  ttlMs?: number;
  /** Give up (throw) after waiting this long for the lock. @defaultValue 15 000 ms */
  waitMs?: number;
}

/**
 * Run `work` while holding a short lock shared by every process on this Redis (`SET NX PX` with a random
 * token; released only if still ours). For read-modify-write steps of a few milliseconds that different
 * workers may attempt at once; not renewed, so `work` must be much shorter than `ttlMs`.
 */
export async function withRedisMutex<T>(
  redis: Redis,
  key: string,
  work: () => Promise<T>,
  options: RedisMutexOptions = {},
): Promise<T> {
  const ttlMs = options.ttlMs ?? 10_000;
  const deadline = Date.now() + (options.waitMs ?? 15_000);
  const token = randomBytes(12).toString('hex');
  while ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE_SCRIPT, 1, key, token);
  }
}
