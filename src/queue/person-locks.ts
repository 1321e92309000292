import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { RedisClient } from './redis-connection.ts';
import { runtimeKeys } from './runtime-keys.ts';

/**
 * Per-person locks: at most one job works on one person at a time, so two writes to one identity never race.
 *
 * BullMQ's deduplication already keeps one active and one pending `person.sync` per person, but it cannot
 * see a full-sync chunk touching the same person, nor a job that a stalled check handed to a second worker
 * while the first still runs. These locks can: a job takes the locks of every person it will write before
 * writing, all or none (one Lua script; every key shares the prefix's hash tag, so it also runs on a
 * Redis Cluster), renews them while it works and releases them when done. A holder that dies leaves
 * locks that expire after `ttlMs`.
 */
export interface PersonRef {
  source: string;
  key: string;
}

export interface PersonLockHandle {
  /** Aborted when a renewal finds a lock gone or taken: the holder must stop writing. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface PersonLocks {
  /** All the locks, or none (null) when any person is locked by someone else. */
  tryAcquire(people: readonly PersonRef[], owner: string): Promise<PersonLockHandle | null>;
}

const ACQUIRE_ALL = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
return 1`;

const RENEW_ALL = `
local renewed = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    renewed = renewed + 1
  end
end
return renewed`;

const RELEASE_ALL = `
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released`;

/** Keys per script call: big chunks are locked in slices (still all-or-none, see tryAcquire). */
const SLICE = 1_000;

export function createPersonLocks(options: {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Lock lifetime without renewal. */
  ttlMs: number;
}): PersonLocks {
  const { redis, logger, ttlMs } = options;
  const keys = runtimeKeys(options.prefix);

  async function runSliced(script: string, lockKeys: string[], token: string): Promise<number[]> {
    const results: number[] = [];
    for (let i = 0; i < lockKeys.length; i += SLICE) {
      const slice = lockKeys.slice(i, i + SLICE);
      results.push(Number(await redis.eval(script, slice.length, ...slice, token, ttlMs)));
    }
    return results;
  }

  return {
    async tryAcquire(people, owner) {
      const lockKeys = [...new Set(people.map((p) => keys.personLock(p.source, p.key)))];
      const token = `${owner}:${randomBytes(6).toString('hex')}`;
      const taken = await runSliced(ACQUIRE_ALL, lockKeys, token);
      if (taken.some((ok) => ok !== 1)) {
        // A later slice was refused: give back the earlier ones so the whole set is none.
        await runSliced(RELEASE_ALL, lockKeys, token);
        return null;
      }
      const controller = new AbortController();
      const timer = setInterval(
        () => {
          runSliced(RENEW_ALL, lockKeys, token).then(
            (renewed) => {
              if (renewed.reduce((a, b) => a + b, 0) === lockKeys.length || controller.signal.aborted) return;
              logger.error({ owner, locks: lockKeys.length }, 'person locks lost; the job stops writing');
              controller.abort(new Error('person lock lost'));
            },
            (err: unknown) => logger.warn({ err, owner }, 'could not renew person locks; will retry'),
          );
        },
        Math.max(100, Math.floor(ttlMs / 3)),
      );
      timer.unref();
      return {
        lost: controller.signal,
        async release() {
          clearInterval(timer);
          await runSliced(RELEASE_ALL, lockKeys, token);
        },
      };
    },
  };
}
