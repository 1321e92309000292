import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Logger } from '../log/logger.ts';
import {
  keepRenewed,
  redisLock,
  releaseTogether,
  takeEach,
  type LockTakeRead,
  type RedisLock,
} from '../store/redis-lock.ts';
import type { RedisClient } from './redis-connection.ts';
import { runtimeKeys } from './runtime-keys.ts';

/**
 * Per-person locks: at most one job works on one person at a time, so two writes to one identity never race.
 *
 * BullMQ's deduplication already keeps one active and one pending `person.sync` per person, but it cannot
 * see a full-sync chunk touching the same person, nor a job that a stalled check handed to a second worker
 * while the first still runs. These locks can: a job takes the locks of every person it will write before
 * writing, all or none (one `redisLock` over every person's key: src/store/redis-lock.ts), renews them while it
 * works and releases them when done. A holder that dies leaves locks that expire after `ttlMs`.
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
  /**
   * `tryAcquire` for one person that also reads one hash field once the lock is taken, in the same round
   * trip (a `person.sync` job reads the person's marker-index entry this way): null when the person is
   * locked by someone else, so nothing is read without the lock. The calls made in one turn of the event
   * loop (jobs that start together) go to Redis as one script, each person taken or refused on its own.
   */
  tryAcquireAndRead(
    person: PersonRef,
    owner: string,
    read: { hash: string; field: string },
  ): Promise<{ lock: PersonLockHandle; value: string | null } | null>;
}

/**
 * Most `tryAcquireAndRead` calls sent in one script. A worker runs `queue.concurrency` jobs at once, so this
 * only bounds a very high concurrency's script.
 */
const MAX_TAKES_PER_SCRIPT = 100;

interface TakeRequest {
  lock: RedisLock;
  hash: string;
  field: string;
}

export function createPersonLocks(options: {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Lock lifetime without renewal. */
  ttlMs: number;
}): PersonLocks {
  const { redis, logger, ttlMs } = options;
  const keys = runtimeKeys(options.prefix);
  // Jobs that finish in the same event-loop turn give their locks back in one script; a take first sends
  // the releases still waiting, so it never finds a lock its own process has already given back.
  const releaser = releaseTogether(redis);
  const lockOf = (people: readonly PersonRef[], owner: string) =>
    redisLock({
      redis,
      keys: people.map((p) => keys.personLock(p.source, p.key)),
      // randomUUID draws from a cached entropy pool: cheaper per job than a randomBytes call.
      token: `${owner}:${randomUUID()}`,
      ttlMs,
    });

  // The takes asked for in one turn of the event loop (setImmediate: after this turn's socket reads, so the
  // jobs whose previous job's end arrived in the same read go together) are sent as one script. A script
  // that fails (Redis unreachable) fails the takes of that script only.
  const takes = new DataLoader<TakeRequest, LockTakeRead>(
    (requests) => {
      releaser.flush();
      return takeEach(
        redis,
        ttlMs,
        requests.map(({ lock, hash, field }) => ({ key: lock.keys[0]!, token: lock.token, hash, field })),
      );
    },
    { cache: false, maxBatchSize: MAX_TAKES_PER_SCRIPT, batchScheduleFn: (send) => setImmediate(send) },
  );

  /** The handle of a taken lock: renewed until released. */
  function held(lock: RedisLock, owner: string): PersonLockHandle {
    const renewal = keepRenewed(lock, {
      intervalMs: Math.max(100, Math.floor(ttlMs / 3)),
      lostReason: () => new Error('person lock lost'),
      onLost: () =>
        logger.error({ owner, locks: lock.keys.length }, 'person locks lost; the job stops writing'),
      onRenewError: (err) => logger.warn({ err, owner }, 'could not renew person locks; will retry'),
    });
    return {
      lost: renewal.lost,
      async release() {
        renewal.stop();
        await releaser.release(lock);
      },
    };
  }

  return {
    async tryAcquire(people, owner) {
      const lock = lockOf(people, owner);
      releaser.flush();
      return (await lock.tryTake()) ? held(lock, owner) : null;
    },
    async tryAcquireAndRead(person, owner, read) {
      const lock = lockOf([person], owner);
      const taken = await takes.load({ lock, hash: read.hash, field: read.field });
      return taken.taken ? { lock: held(lock, owner), value: taken.value } : null;
    },
  };
}
