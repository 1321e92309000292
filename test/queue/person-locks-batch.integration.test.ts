import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.ts';
import { createPersonLocks } from '../../src/queue/person-locks.ts';
import { runtimeKeys } from '../../src/queue/runtime-keys.ts';
import { uniquePrefix } from './helpers.ts';

/**
 * `tryAcquireAndRead` calls made in one turn of the event loop (the person.sync jobs a worker starts together)
 * go to Redis as one script: each person taken or refused on its own, each read only once taken, and a
 * script that fails fails only the calls it carried.
 */
const url = inject('redisUrl');
const admin = new Redis(url);
const clients: Redis[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const prefix of prefixes.splice(0)) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
  }
});
afterAll(() => admin.disconnect());

async function setup() {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  // A connection of its own, so the scripts it sends can be told from everyone else's.
  const redis = new Redis(url);
  clients.push(redis);
  const address = /addr=(\S+)/.exec(String(await redis.client('INFO')))![1]!;
  const locks = createPersonLocks({ redis, prefix, logger: silentLogger(), ttlMs: 10_000 });
  const lockKey = (key: string) => runtimeKeys(prefix).personLock('hr', key);
  const index = `${prefix}:index`;
  return { prefix, address, locks, lockKey, index };
}

/** Counts the EVALs one client sends while `work` runs (MONITOR sees every command of the server). */
async function evalsDuring<T>(
  address: string,
  work: () => Promise<T>,
): Promise<{ result: T; evals: number }> {
  const watcher = new Redis(url);
  clients.push(watcher);
  const monitor = await watcher.monitor();
  let evals = 0;
  monitor.on('monitor', (_time: string, argv: string[], source: string) => {
    if (source === address && /^eval(sha)?$/i.test(argv[0] ?? '')) evals++;
  });
  const result = await work();
  await new Promise((resolve) => setTimeout(resolve, 100));
  monitor.disconnect();
  return { result, evals };
}

const hr = (key: string) => ({ source: 'hr', key });

describe('person locks: takes of one turn in one script', { timeout: 20_000 }, () => {
  it('takes each person on its own, refuses one held elsewhere or twice, and reads only what it took', async () => {
    const { address, locks, lockKey, index } = await setup();
    await admin.hset(index, 'E1', 'id-1', 'E2', 'id-2', 'E3', 'id-3');
    await admin.set(lockKey('E3'), 'someone-else', 'PX', 10_000);
    const read = (key: string) => ({ hash: index, field: key });

    const { result, evals } = await evalsDuring(address, () =>
      Promise.all([
        locks.tryAcquireAndRead(hr('E1'), 'job-a', read('E1')),
        locks.tryAcquireAndRead(hr('E2'), 'job-b', read('E2')),
        locks.tryAcquireAndRead(hr('E3'), 'job-c', read('E3')),
        // A second job for E1 in the same turn: the first one took E1, so this one waits its turn.
        locks.tryAcquireAndRead(hr('E1'), 'job-d', read('E1')),
        locks.tryAcquireAndRead(hr('E4'), 'job-e', read('E4')),
      ]),
    );
    const [a, b, c, d, e] = result;
    expect(evals).toBe(1);
    expect(a?.value).toBe('id-1');
    expect(b?.value).toBe('id-2');
    expect(c).toBeNull();
    expect(d).toBeNull();
    expect(e).not.toBeNull();
    expect(e?.value).toBeNull();
    // Each taken lock carries its own job's token; the one held elsewhere is untouched.
    expect(await admin.get(lockKey('E1'))).toMatch(/^job-a:/);
    expect(await admin.get(lockKey('E2'))).toMatch(/^job-b:/);
    expect(await admin.get(lockKey('E4'))).toMatch(/^job-e:/);
    expect(await admin.get(lockKey('E3'))).toBe('someone-else');
    expect(await admin.pttl(lockKey('E1'))).toBeGreaterThan(5_000);

    await Promise.all([a!.lock.release(), b!.lock.release(), e!.lock.release()]);
    expect(await admin.exists(lockKey('E1'), lockKey('E2'), lockKey('E4'))).toBe(0);
    expect(await admin.get(lockKey('E3'))).toBe('someone-else');
    // The released person can be taken again at once, by another job.
    const again = await locks.tryAcquireAndRead(hr('E1'), 'job-d', read('E1'));
    expect(again?.value).toBe('id-1');
    await again!.lock.release();
  });

  it('fails only the calls of a script that fails, and that script takes none of their locks', async () => {
    const { locks, lockKey, index, prefix } = await setup();
    await admin.hset(index, 'E1', 'id-1', 'E2', 'id-2', 'E3', 'id-3');
    // Reading this "hash" fails inside the script (WRONGTYPE): a Redis error in the middle of a batch.
    const broken = `${prefix}:not-a-hash`;
    await admin.set(broken, 'a string');

    const first = [
      locks.tryAcquireAndRead(hr('E1'), 'job-a', { hash: index, field: 'E1' }),
      locks.tryAcquireAndRead(hr('E2'), 'job-b', { hash: broken, field: 'E2' }),
    ].map((taking) =>
      taking.then(
        () => 'taken',
        (err: unknown) => err,
      ),
    );
    // Asked for in the next turn, after the first script has left: a script of its own.
    const second = await new Promise<ReturnType<typeof locks.tryAcquireAndRead>[]>((resolve) =>
      setImmediate(() =>
        resolve([
          locks.tryAcquireAndRead(hr('E3'), 'job-c', { hash: index, field: 'E3' }),
          locks.tryAcquireAndRead(hr('E1'), 'job-d', { hash: index, field: 'E1' }),
        ]),
      ),
    );

    const failures = await Promise.all(first);
    for (const failure of failures) expect(String(failure)).toMatch(/WRONGTYPE/);
    const [c, d] = await Promise.all(second);
    expect(c?.value).toBe('id-3');
    // E1 was asked for in the failed script too: that script took nothing, so the later job gets it.
    expect(d?.value).toBe('id-1');
    expect(await admin.get(lockKey('E1'))).toMatch(/^job-d:/);
    expect(await admin.exists(lockKey('E2'))).toBe(0);
    await Promise.all([c!.lock.release(), d!.lock.release()]);
  });
});
