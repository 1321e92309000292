import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { prefix, redis } from '../support/redis-per-test.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createPersonLocks } from '../../src/queue/person-locks.ts';
import { redisLock, releaseTogether, takeEach } from '../../src/store/redis-lock.ts';

const lockOf = (token: string, keys: string[], ttlMs = 5_000) =>
  redisLock({ redis, keys: keys.map((k) => `${prefix}:${k}`), token, ttlMs });

const take = (token: string, key: string, field: string, ttlMs = 5_000) =>
  takeEach(redis, ttlMs, [{ key: `${prefix}:${key}`, token, hash: `${prefix}:index`, field }]).then(
    (answers) => answers[0],
  );

describe('taking locks and reading a hash field in one step', () => {
  it('answers the field only when the lock was taken, and takes it with its expiry', async () => {
    await redis.hset(`${prefix}:index`, 'E1', 'identity-1');
    expect(await take('a', 'x', 'E1')).toEqual({ taken: true, value: 'identity-1' });
    expect(await redis.get(`${prefix}:x`)).toBe('a');
    const ttl = await redis.pttl(`${prefix}:x`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);

    // Refused: the holder is named and no value comes back.
    expect(await take('b', 'x', 'E1')).toEqual({ taken: false, heldBy: 'a' });
    expect(await redis.get(`${prefix}:x`)).toBe('a');
  });

  it('answers null for an absent field, still taking the lock', async () => {
    expect(await take('a', 'x', 'nobody')).toEqual({ taken: true, value: null });
    expect(await redis.get(`${prefix}:x`)).toBe('a');
  });

  it('renews under the same token', async () => {
    await redis.hset(`${prefix}:index`, 'E1', 'identity-1');
    expect((await take('c', 'z', 'E1', 200))?.taken).toBe(true);
    expect(await take('c', 'z', 'E1', 5_000)).toEqual({ taken: true, value: 'identity-1' });
    expect(await redis.pttl(`${prefix}:z`)).toBeGreaterThan(200);
  });

  it('sees a plain lock of the same key, and a plain lock sees it', async () => {
    expect(await lockOf('b', ['y']).tryTake()).toBe(true);
    expect(await take('a', 'y', 'E1')).toEqual({ taken: false, heldBy: 'b' });
    expect(await take('a', 'x', 'E1')).toMatchObject({ taken: true });
    expect(await lockOf('b', ['x']).take()).toEqual({ taken: false, heldBy: 'a' });
  });

  it('refuses more locks than one script slice before sending anything', async () => {
    const requests = Array.from({ length: 1_001 }, (_, i) => ({
      key: `${prefix}:k${i}`,
      token: 'a',
      hash: `${prefix}:index`,
      field: 'E1',
    }));
    await expect(takeEach(redis, 5_000, requests)).rejects.toThrow(/at most 1000 locks per call, got 1001/);
    expect(await redis.exists(`${prefix}:k0`)).toBe(0);
  });
});

describe('person locks that read a field when taken', () => {
  it('read the field only for the holder; a second job gets null and reads nothing', async () => {
    const locks = createPersonLocks({ redis, prefix, logger: silentLogger(), ttlMs: 2_000 });
    await redis.hset(`${prefix}:index`, 'E1', 'identity-1');
    const read = { hash: `${prefix}:index`, field: 'E1' };
    const first = await locks.tryAcquireAndRead({ source: 'hr', key: 'E1' }, 'job-a', read);
    expect(first?.value).toBe('identity-1');
    expect(await locks.tryAcquireAndRead({ source: 'hr', key: 'E1' }, 'job-b', read)).toBeNull();
    // The plain form sees the same lock.
    expect(await locks.tryAcquire([{ source: 'hr', key: 'E1' }], 'chunk')).toBeNull();
    await first!.lock.release();
    const second = await locks.tryAcquireAndRead({ source: 'hr', key: 'E1' }, 'job-b', read);
    expect(second?.value).toBe('identity-1');
    await second!.lock.release();
  });
});

describe('releasing many locks together', () => {
  it('sends the releases of one event-loop turn as one script, deleting only keys still held by their own token', async () => {
    // Scripts counted on this test's own connection (the Redis server is shared with other test files).
    const own = new Redis(inject('redisUrl'));
    let scripts = 0;
    const evalOf = own.eval.bind(own);
    own.eval = ((...args: Parameters<typeof evalOf>) => {
      scripts += 1;
      return evalOf(...args);
    }) as typeof own.eval;
    const release = releaseTogether(own);
    const a = lockOf('a', ['x', 'y']);
    const b = lockOf('b', ['z']);
    const c = lockOf('c', ['w']);
    expect(await a.tryTake()).toBe(true);
    expect(await b.tryTake()).toBe(true);
    expect(await c.tryTake()).toBe(true);
    // w expired and was taken by someone else: c's release must leave it alone.
    await redis.set(`${prefix}:w`, 'someone-else');
    await Promise.all([release.release(a), release.release(b), release.release(c)]);
    own.disconnect();
    expect(scripts).toBe(1);
    expect(await redis.exists(`${prefix}:x`, `${prefix}:y`, `${prefix}:z`)).toBe(0);
    expect(await redis.get(`${prefix}:w`)).toBe('someone-else');
  });

  it('rejects every waiting release when Redis refuses the script', async () => {
    const broken = new Redis(inject('redisUrl'), { lazyConnect: true, maxRetriesPerRequest: 0 });
    const release = releaseTogether(broken);
    broken.disconnect();
    await expect(release.release(lockOf('a', ['x']))).rejects.toThrow();
  });

  it('sends the waiting releases before a take when flushed, so the take finds the keys free', async () => {
    const releaser = releaseTogether(redis);
    const a = lockOf('a', ['x']);
    expect(await a.tryTake()).toBe(true);
    const released = releaser.release(a);
    releaser.flush();
    // Queued after the release on the same connection: the release has run by then.
    expect(await lockOf('b', ['x']).tryTake()).toBe(true);
    await released;
    expect(await redis.get(`${prefix}:x`)).toBe('b');
  });

  it('sends every slice of a flushed batch before a take, even a batch bigger than one script slice', async () => {
    const releaser = releaseTogether(redis);
    const a = lockOf(
      'a',
      Array.from({ length: 700 }, (_, i) => `a${i}`),
    );
    const b = lockOf(
      'b',
      Array.from({ length: 700 }, (_, i) => `b${i}`),
    );
    expect(await a.tryTake()).toBe(true);
    expect(await b.tryTake()).toBe(true);
    const released = Promise.all([releaser.release(a), releaser.release(b)]);
    releaser.flush();
    // b699 is in the batch's second slice: its release must reach Redis before this take does.
    expect(await lockOf('c', ['b699']).tryTake()).toBe(true);
    await released;
  });
});
