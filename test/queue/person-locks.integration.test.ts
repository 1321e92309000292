import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.ts';
import { createPersonLocks } from '../../src/queue/person-locks.ts';
import { uniquePrefix, waitFor } from './helpers.ts';

const redis = new Redis(inject('redisUrl'));
const prefixes: string[] = [];
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
});

function locks(ttlMs = 2_000) {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return { prefix, locks: createPersonLocks({ redis, prefix, logger: silentLogger(), ttlMs }) };
}
const person = (key: string) => ({ source: 'hr', key });

describe('person locks', () => {
  it('let one holder at a time work on a person', async () => {
    const { locks: l } = locks();
    const a = await l.tryAcquire([person('E1')], 'job-a');
    expect(a).not.toBeNull();
    expect(await l.tryAcquire([person('E1')], 'job-b')).toBeNull();
    await a!.release();
    const b = await l.tryAcquire([person('E1')], 'job-b');
    expect(b).not.toBeNull();
    await b!.release();
  });

  it('take a whole set or nothing, also across slices of a thousand', async () => {
    const { locks: l, prefix } = locks();
    const held = await l.tryAcquire([person('E1500')], 'person-job');
    const chunk = Array.from({ length: 2_000 }, (_, i) => person(`E${i}`));
    expect(await l.tryAcquire(chunk, 'chunk-job')).toBeNull();
    // Nothing of the refused set stays locked (the first slice was given back).
    expect(await redis.keys(`${prefix}:lock:person:*`)).toEqual([`${prefix}:lock:person:hr:E1500`]);
    await held!.release();
    const all = await l.tryAcquire(chunk, 'chunk-job');
    expect(all).not.toBeNull();
    expect((await redis.keys(`${prefix}:lock:person:*`)).length).toBe(2_000);
    await all!.release();
    expect(await redis.keys(`${prefix}:lock:person:*`)).toEqual([]);
  });

  it('are renewed while held, and expire when the holder is gone', async () => {
    // Renewed every ttl/3: a 1.5 s lifetime leaves a second of slack per renewal (300 ms left 200 ms, which
    // one stalled event loop on a loaded machine can use up); twice the lifetime still proves renewal.
    const { locks: l, prefix } = locks(1_500);
    const a = await l.tryAcquire([person('E1')], 'job-a');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(a!.lost.aborted).toBe(false);
    expect(await l.tryAcquire([person('E1')], 'job-b')).toBeNull();
    // A holder that dies stops renewing (simulated by deleting and re-taking under another token).
    await redis.del(`${prefix}:lock:person:hr:E1`);
    const b = await l.tryAcquire([person('E1')], 'job-b');
    await waitFor('the first holder to learn it lost its lock', () => a!.lost.aborted);
    // The loser's release does not free the new holder's lock.
    await a!.release();
    expect(await redis.exists(`${prefix}:lock:person:hr:E1`)).toBe(1);
    await b!.release();
  });
});
