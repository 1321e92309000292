import { jobCatalogue } from '../../jobs/catalogue.ts';
import { createChunkStore } from '../../jobs/full-sync/chunk-store.ts';
import type { JobDeps } from '../../jobs/job-deps.ts';
import { coalesceRedisWrites } from '../queue/coalesce-redis-writes.ts';
import type { KratosClient } from '../kratos/types.ts';
import { createJobWorker } from '../queue/job-worker.ts';
import { createKratosOutagePause } from '../queue/kratos-outage-pause.ts';
import { oneAtATime } from '../queue/one-at-a-time.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import type { ProcessEngine } from './process-engine.ts';
import type { ProcessParts } from './process-parts.ts';

/**
 * The `worker` role: a BullMQ worker on the shared queue running every job type of the catalogue, with the
 * Kratos outage pause and the job deps over the process's one engine. On shutdown it stops taking jobs and
 * lets the active ones finish within `queue.shutdownTimeout`.
 */
export function startJobWorkerRole(parts: ProcessParts, kratos: KratosClient, engine: ProcessEngine): void {
  const { config, logger, queue, metrics, releases, name } = parts;
  const prefix = config.redis.prefix;
  const outagePause = createKratosOutagePause({
    ready: () => kratos.ready(),
    hold: (ms) => queue.rateLimit(ms),
    release: async () => {
      await queue.removeRateLimitKey();
    },
    logger,
    onChange: (available) => metrics.kratosAvailable(available),
  });
  releases.defer('kratos outage pause', () => outagePause.close());
  // The client noticed an outage first (several requests in a row went unanswered): hold the queue now
  // rather than when the next job gives up.
  const onUnavailable = () => void outagePause.confirmDown().catch(() => undefined);
  kratos.events.on('unavailable', onUnavailable);
  releases.defer('kratos events', () => void kratos.events.off('unavailable', onUnavailable));
  const deps: JobDeps = {
    ctx: engine.ctx,
    queue,
    locks: engine.locks,
    // The lifecycle jobs share the onboarding hooks' lifecycle, built when first used.
    get lifecycle() {
      return engine.host.lifecycle;
    },
    chunks: createChunkStore({ redis: parts.state, prefix, ttlMs: 24 * 3_600_000 }),
    stats: parts.stats,
    chunkSize: config.queue.applyChunkSize,
    runLockTtlMs: Math.max(config.queue.jobTimeout, 10 * 60_000),
    applyOneAtATime: oneAtATime(),
  };
  const connection = createRedis(config.redis, { role: 'worker', logger, name: `${name}:worker` });
  // Jobs that finish together (person.sync jobs whose shared Kratos read answered at once) send BullMQ's
  // finish-and-fetch script in one socket write instead of one each: measured 1.75 → 0.69 writes and about
  // −20 % worker CPU per person.sync job. BullMQ's blocking connection is a duplicate and is left as it is.
  coalesceRedisWrites(connection);
  releases.defer('worker connection', () => closeRedis(connection));
  const worker = createJobWorker({
    connection,
    prefix,
    catalogue: jobCatalogue,
    deps,
    logger,
    outagePause,
    rateLimit: (ms) => queue.rateLimit(ms),
    concurrency: config.queue.concurrency,
    lockDurationMs: config.queue.lockDuration,
    defaultTimeoutMs: config.queue.jobTimeout,
    keepCompleted: config.queue.keepCompleted,
    keepFailed: config.queue.keepFailed,
    observer: metrics,
    name,
  });
  releases.defer('worker', async () => {
    const { finishedInTime } = await worker.close(config.queue.shutdownTimeout);
    logger.info({ finishedInTime }, 'worker stopped');
  });
}
