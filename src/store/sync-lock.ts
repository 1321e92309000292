import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { SyncError } from '../errors/catalogue.ts';
import type { Logger } from '../log/logger.ts';
import { engineKeys } from './keys.ts';
import { keepRenewed, redisLock } from './redis-lock.ts';

/**
 * One full sync (or approval) per source at a time, across processes. The queue runtime already prevents
 * overlapping jobs, but an operator can run `kratos-sync sync` by hand next to it.
 *
 * A `redisLock` on the source's key with a random token, renewed every third of its lifetime while the
 * process holds it. If a renewal finds the lock gone, `lost` aborts so the run stops writing.
 */
export interface SyncLock {
  /** Aborted when the lock was lost (expired before renewal, or taken over). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface AcquireSyncLockOptions {
  redis: Redis | Cluster;
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
  const lock = redisLock({
    redis,
    keys: [key],
    token: `${options.holder}:${randomBytes(8).toString('hex')}`,
    ttlMs,
  });
  const taken = await lock.take();
  if (!taken.taken) throw lockedError(taken.heldBy, source, 'try again when it finishes');
  const renewal = keepRenewed(lock, {
    intervalMs: Math.max(50, Math.floor(ttlMs / 3)),
    lostReason: () => new SyncError('SYNC_ERR_RUN_LOCKED', `lost the sync lock of source "${source}"`),
    onLost: () => logger.error({ source }, 'sync lock lost; stopping the run'),
    onRenewError: (err) => logger.warn({ err, source }, 'could not renew the sync lock; will retry'),
  });
  return {
    lost: renewal.lost,
    async release() {
      renewal.stop();
      await lock.release();
    },
  };
}

/**
 * The same source lock held by a run that spans processes (a queued full sync): taken when the run is
 * planned, renewed by every apply chunk as it starts, released when the report is finished. Its token is
 * derived from the run id, so whichever process works on the run can renew or release it, and a plan step
 * that runs again takes it again; a run whose processes all died lets it expire after `ttlMs`.
 */
export interface RunLock {
  take(): Promise<void>;
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export function runLock(options: {
  redis: Redis | Cluster;
  prefix: string;
  source: string;
  runId: string;
  ttlMs: number;
}): RunLock {
  const key = engineKeys(options.prefix).syncLock(options.source);
  // `acquireSyncLock`'s tokens read `<holder>:<random>`; this one is fixed per run so any process can renew it.
  const lock = redisLock({
    redis: options.redis,
    keys: [key],
    token: `${options.runId}:queue`,
    ttlMs: options.ttlMs,
  });
  return {
    async take() {
      const taken = await lock.take();
      if (!taken.taken) throw lockedError(taken.heldBy, options.source, 'the run waits for it');
    },
    renew: () => lock.renew(),
    release: () => lock.release(),
  };
}

/** The refusal names the holder from the lock's own answer (its token reads `<holder>:<suffix>`). */
function lockedError(heldBy: string, source: string, then: string): SyncError {
  const holder = heldBy.split(':')[0];
  return new SyncError(
    'SYNC_ERR_RUN_LOCKED',
    `source "${source}" is already being synced (lock held by ${holder}); ${then}`,
    { details: { source } },
  );
}
