import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SyncError } from '../errors/catalogue.ts';
import type { Logger } from '../log/logger.ts';
import { engineKeys } from './keys.ts';

/**
 * One full sync (or approval) per source at a time, across processes. The queue runtime already prevents
 * overlapping jobs, but an operator can run `kratos-sync sync` by hand next to it.
 *
 * `SET NX PX` with a random token, renewed every third of its lifetime; release and renewal only act if the
 * token is still ours (a lock that expired and was taken by someone else is never deleted by us). If a
 * renewal finds the lock gone, `lost` aborts so the run stops writing.
 */
export interface SyncLock {
  /** Aborted when the lock was lost (expired before renewal, or taken over). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface AcquireSyncLockOptions {
  redis: Redis;
  prefix: string;
  source: string;
  logger: Logger;
  /** Lock lifetime without renewal. @defaultValue 30 000 ms */
  ttlMs?: number;
  /** What holds the lock, for the error message of whoever is refused (e.g. a run id). */
  holder: string;
}

export async function acquireSyncLock(options: AcquireSyncLockOptions): Promise<SyncLock> {
  const { redis, source, logger } = options;
  const ttlMs = options.ttlMs ?? 30_000;
  const key = engineKeys(options.prefix).syncLock(source);
  const token = `${options.holder}:${randomBytes(8).toString('hex')}`;
  const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') {
    const current = (await redis.get(key)) ?? 'another run';
    throw new SyncError(
      'SYNC_ERR_RUN_LOCKED',
      `source "${source}" is already being synced (lock held by ${current.split(':')[0]}); try again when it finishes`,
      { details: { source } },
    );
  }
  const controller = new AbortController();
  const timer = setInterval(
    () => {
      redis.eval(RENEW_SCRIPT, 1, key, token, ttlMs).then(
        (renewed) => {
          if (renewed === 1) return;
          logger.error({ source }, 'sync lock lost; stopping the run');
          controller.abort(new SyncError('SYNC_ERR_RUN_LOCKED', `lost the sync lock of source "${source}"`));
        },
        (err: unknown) => logger.warn({ err, source }, 'could not renew the sync lock; will retry'),
      );
    },
    Math.max(50, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    lost: controller.signal,
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE_SCRIPT, 1, key, token);
    },
  };
}
