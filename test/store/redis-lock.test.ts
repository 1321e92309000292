import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { prefix, redis } from '../support/redis-per-test.ts';
import { keepRenewed, redisLock } from '../../src/store/redis-lock.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { acquireSyncLock, runLock } from '../../src/store/sync-lock.ts';

const lockOf = (token: string, keys: string[], ttlMs = 5_000) =>
  redisLock({ redis, keys: keys.map((k) => `${prefix}:${k}`), token, ttlMs });

describe('the redis lock every exclusive step is built on', () => {
  it('is owned by its token: another token is refused and cannot renew or release it', async () => {
    const mine = lockOf('a', ['x']);
    const theirs = lockOf('b', ['x']);
    expect(await mine.tryTake()).toBe(true);
    expect(await theirs.tryTake()).toBe(false);
    expect(await theirs.take()).toEqual({ taken: false, heldBy: 'a' });
    expect(await theirs.renew()).toBe(false);
    await theirs.release();
    expect(await redis.get(`${prefix}:x`)).toBe('a');
    await mine.release();
    expect(await redis.exists(`${prefix}:x`)).toBe(0);
  });

  it('may be taken again under the same token (a run any process continues), which renews it', async () => {
    const first = lockOf('run-1:queue', ['x'], 200);
    const again = lockOf('run-1:queue', ['x'], 5_000);
    expect(await first.tryTake()).toBe(true);
    expect(await again.tryTake()).toBe(true);
    expect(await redis.pttl(`${prefix}:x`)).toBeGreaterThan(1_000);
  });

  it('takes many keys all or none, and gives back earlier slices when a later one is refused', async () => {
    const keys = Array.from({ length: 1_500 }, (_, i) => `p${i}`);
    const blocker = lockOf('b', ['p1200']);
    expect(await blocker.tryTake()).toBe(true);
    const many = lockOf('a', keys);
    expect(await many.take()).toEqual({ taken: false, heldBy: 'b' });
    expect(await redis.keys(`${prefix}:p*`)).toEqual([`${prefix}:p1200`]);
    await blocker.release();
    expect(await many.tryTake()).toBe(true);
    expect(await many.renew()).toBe(true);
    await redis.del(`${prefix}:p3`);
    expect(await many.renew()).toBe(false);
    await many.release();
    expect(await redis.keys(`${prefix}:p*`)).toEqual([]);
  });

  it('tells its holder once when a renewal finds it taken', async () => {
    const lock = lockOf('a', ['x'], 300);
    expect(await lock.tryTake()).toBe(true);
    let told = 0;
    const renewal = keepRenewed(lock, {
      intervalMs: 50,
      lostReason: () => new Error('gone'),
      onLost: () => (told += 1),
      onRenewError: () => undefined,
    });
    await redis.set(`${prefix}:x`, 'b');
    await new Promise<void>((resolve) =>
      renewal.lost.addEventListener('abort', () => resolve(), { once: true }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    renewal.stop();
    expect(told).toBe(1);
    expect(renewal.lost.reason).toMatchObject({ message: 'gone' });
  });
});

describe("a queued run's source lock", () => {
  it('excludes a second run and names the holder; the same run takes it again', async () => {
    const options = { redis, prefix, source: 'hr', ttlMs: 5_000 };
    const run1 = runLock({ ...options, runId: 'run-1' });
    await run1.take();
    await expect(runLock({ ...options, runId: 'run-2' }).take()).rejects.toMatchObject({
      code: 'SYNC_ERR_RUN_LOCKED',
      message: expect.stringContaining('lock held by run-1'),
    });
    await runLock({ ...options, runId: 'run-1' }).take();
    expect(await run1.renew()).toBe(true);
    await run1.release();
    expect(await redis.exists(`${prefix}:lock:sync:hr`)).toBe(0);
  });
  it('names the holder that refused it, even when that holder lets go right after the refusal', async () => {
    const options = { redis, prefix, source: 'hr', ttlMs: 5_000 };
    await runLock({ ...options, runId: 'run-1' }).take();
    // The real Redis, with the holder's release landing right after each answer to a script: between the
    // refusal and anything read after it.
    const lockKey = `${prefix}:lock:sync:hr`;
    const racing = new Proxy(redis, {
      get(target, property) {
        if (property === 'eval') {
          return async (...args: Parameters<Redis['eval']>) => {
            const answer = await target.eval(...args);
            await target.del(lockKey);
            return answer;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await expect(runLock({ ...options, redis: racing, runId: 'run-2' }).take()).rejects.toMatchObject({
      code: 'SYNC_ERR_RUN_LOCKED',
      message: expect.stringContaining('lock held by run-1'),
    });
    await runLock({ ...options, runId: 'run-1' }).take();
    await expect(
      acquireSyncLock({ ...options, redis: racing, holder: 'manual-sync', logger: silentLogger() }),
    ).rejects.toMatchObject({
      code: 'SYNC_ERR_RUN_LOCKED',
      message: expect.stringContaining('lock held by run-1'),
    });
  });
});
