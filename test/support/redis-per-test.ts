import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, inject } from 'vitest';

/**
 * A connection to the suite's Redis and a fresh key prefix for every test, whose keys are deleted after it.
 * Importing this module registers the hooks in the importing test file; `prefix` is a live binding, so read it
 * inside a test, not at module load. The prefix is hash-tagged so every key lands in one Redis Cluster slot.
 */
export const redis = new Redis(inject('redisUrl'));
export let prefix = '';

beforeEach(() => {
  prefix = `{ks-test-${randomBytes(6).toString('hex')}}`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(() => redis.disconnect());
