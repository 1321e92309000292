import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/schema.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import { createBackoffStrategy } from '../queue/backoff.ts';
import { lookupJob } from '../queue/job-definition.ts';
import { createKratosOutagePause } from '../queue/kratos-outage-pause.ts';
import { createProcessor } from '../queue/processor.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import type { LifecycleHost } from '../lifecycle/lifecycle-host.ts';
import { createLifecycleHost } from './lifecycle-host.ts';
import { createReleaseStack } from './release-stack.ts';

/**
 * Queue of runbooks run with `--inline`. Not the shared queue: a worker takes every job of its queue, and
 * this one only knows the offboarding job types — on the shared queue it would fail the sync's jobs as
 * unknown. Jobs left here by an interrupted `--inline` run are finished by the next one.
 */
const INLINE_RUNBOOK_QUEUE = 'offboard-inline';

export interface InlineWorker {
  queue: Queue;
  close(): Promise<void>;
}

/** An in-process worker for `kratos-sync offboard --inline` (runs the runbook's jobs itself). */
export function startInlineWorker(options: {
  config: Config;
  kratos: KratosClient;
  logger: Logger;
  catalogue: object;
  host: Omit<LifecycleHost, 'queue' | 'lifecycle'>;
}): InlineWorker {
  const { config, logger } = options;
  const prefix = config.redis.prefix;
  const releases = createReleaseStack();
  const producer = createRedis(config.redis, { role: 'state', logger, name: 'kratos-sync:offboard-inline' });
  releases.defer('inline producer connection', () => closeRedis(producer));
  const connection = createRedis(config.redis, {
    role: 'worker',
    logger,
    name: 'kratos-sync:offboard-inline',
  });
  releases.defer('inline worker connection', () => closeRedis(connection));
  const queue = new Queue(INLINE_RUNBOOK_QUEUE, { connection: producer, prefix });
  releases.defer('inline queue', () => queue.close());
  queue.on('error', (err) => logger.warn({ err }, 'queue error'));
  const outagePause = createKratosOutagePause({
    ready: () => options.kratos.ready(),
    hold: (ms) => queue.rateLimit(ms),
    release: async () => {
      await queue.removeRateLimitKey();
    },
    logger,
  });
  releases.defer('kratos outage pause', () => outagePause.close());
  const lifecycle = createLifecycleHost({ ...options.host, queue });
  releases.defer('lifecycle', () => lifecycle.close());
  const shutdown = new AbortController();
  releases.defer('inline shutdown signal', () => shutdown.abort());
  const processor = createProcessor({
    catalogue: options.catalogue,
    deps: lifecycle.host,
    logger,
    outagePause,
    rateLimit: (ms) => queue.rateLimit(ms),
    shutdownSignal: shutdown.signal,
    defaultTimeoutMs: config.queue.jobTimeout,
  });
  const worker = new Worker(INLINE_RUNBOOK_QUEUE, processor, {
    connection,
    prefix,
    concurrency: config.queue.concurrency,
    lockDuration: 30_000,
    stalledInterval: 30_000,
    // Lets the queue-wide hold (429, Kratos down) stop this worker too; never limits by itself.
    limiter: { max: 1_000_000, duration: 1_000 },
    removeOnComplete: { age: config.queue.keepCompleted.ageSeconds, count: config.queue.keepCompleted.count },
    removeOnFail: { age: config.queue.keepFailed.ageSeconds, count: config.queue.keepFailed.count },
    settings: {
      backoffStrategy: createBackoffStrategy((name) => lookupJob(options.catalogue, name)?.options.backoff),
    },
  });
  worker.on('error', (err) => logger.warn({ err }, 'worker error'));
  releases.defer('inline worker', () => worker.close());
  return { queue, close: releases.release };
}
