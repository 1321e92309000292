import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, inject } from 'vitest';
import { coalesceRedisWrites } from '../../src/queue/coalesce-redis-writes.ts';
import { uniquePrefix } from './helpers.ts';

const clients: Redis[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
});

async function connected(): Promise<Redis> {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  clients.push(redis);
  await redis.ping();
  return redis;
}

/** Counts the socket writes Node makes for this connection (one per `_write` or `_writev` call). */
function countWrites(redis: Redis): () => number {
  const socket = redis.stream as Socket & {
    _write: (...a: unknown[]) => void;
    _writev?: (...a: unknown[]) => void;
  };
  let writes = 0;
  const write = socket._write.bind(socket);
  socket._write = (...a: unknown[]) => {
    writes++;
    write(...a);
  };
  const writev = socket._writev?.bind(socket);
  if (writev)
    socket._writev = (...a: unknown[]) => {
      writes++;
      writev(...a);
    };
  return () => writes;
}

describe('Redis commands sent while one callback runs leave in one socket write', () => {
  it('50 commands sent together leave in one write and answer in order', async () => {
    const redis = await connected();
    coalesceRedisWrites(redis);
    const writes = countWrites(redis);
    const key = `${uniquePrefix()}:counter`;
    const answers = await Promise.all(Array.from({ length: 50 }, () => redis.incr(key)));
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(writes()).toBe(1);
    await redis.del(key);
  });

  it('the next commands sent from the continuations of one answer leave together too', async () => {
    const redis = await connected();
    coalesceRedisWrites(redis);
    const writes = countWrites(redis);
    const key = `${uniquePrefix()}:chained`;
    // Like 20 webhooks whose replay claims were answered in one read: each sends its job add next.
    await Promise.all(
      Array.from({ length: 20 }, () => redis.incr(`${key}:a`).then(() => redis.incr(`${key}:b`))),
    );
    expect(await redis.get(`${key}:b`)).toBe('20');
    // One write for the first commands, one for the next (two if their answers came in two reads).
    expect(writes()).toBeLessThanOrEqual(3);
    await redis.del(`${key}:a`, `${key}:b`);
  });

  it('a command is written before the event loop turns to other callbacks', async () => {
    const redis = await connected();
    coalesceRedisWrites(redis);
    const writes = countWrites(redis);
    let writtenBeforeOtherCallbacks = -1;
    const other = new Promise<void>((resolve) =>
      setImmediate(() => {
        writtenBeforeOtherCallbacks = writes();
        resolve();
      }),
    );
    const answer = redis.ping();
    await other;
    expect(writtenBeforeOtherCallbacks).toBe(1);
    expect(await answer).toBe('PONG');
  });

  it('without it, the same commands take a write each (what the change saves)', async () => {
    const redis = await connected();
    const writes = countWrites(redis);
    const key = `${uniquePrefix()}:counter`;
    await Promise.all(Array.from({ length: 50 }, () => redis.incr(key)));
    expect(writes()).toBeGreaterThan(10);
    await redis.del(key);
  });

  it('commands of later callbacks, scripts and a value set then read back keep their order', async () => {
    const redis = await connected();
    coalesceRedisWrites(redis);
    coalesceRedisWrites(redis); // a second call changes nothing
    const key = `${uniquePrefix()}:value`;
    for (let turn = 0; turn < 5; turn++) {
      const [set, read, scripted] = await Promise.all([
        redis.set(key, `v${turn}`),
        redis.get(key),
        redis.eval("return redis.call('GET', KEYS[1]) .. '!'", 1, key),
      ]);
      expect([set, read, scripted]).toEqual(['OK', `v${turn}`, `v${turn}!`]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await redis.del(key);
  });

  it('after the server drops the connection, commands on the new connection are answered', async () => {
    const redis = await connected();
    coalesceRedisWrites(redis);
    const admin = await connected();
    const id = await redis.client('ID');
    await admin.client('KILL', 'ID', String(id));
    await expect.poll(async () => redis.ping().catch(() => 'down'), { timeout: 10_000 }).toBe('PONG');
    const key = `${uniquePrefix()}:after-reconnect`;
    const [set, read] = await Promise.all([redis.set(key, 'x'), redis.get(key)]);
    expect([set, read]).toEqual(['OK', 'x']);
    await redis.del(key);
  });
});
