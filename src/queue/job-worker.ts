import { Worker } from 'bullmq';
import type { Logger } from '../log/logger.ts';
import { createBackoffStrategy } from './backoff.ts';
import { lookupJob } from './job-definition.ts';
import type { KratosOutagePause } from './kratos-outage-pause.ts';
import { createProcessor, type JobObserver } from './processor.ts';
import type { RedisClient } from './redis-connection.ts';
import { QUEUE_NAME } from './runtime-keys.ts';

export interface KeepJobsConfig {
  ageSeconds: number;
  count: number;
}

export interface JobWorkerOptions<Deps> {
  /** A `worker`-role connection (BullMQ duplicates it for its blocking reads). */
  connection: RedisClient;
  prefix: string;
  catalogue: object;
  deps: Deps;
  logger: Logger;
  outagePause: KratosOutagePause;
  /** queue.rateLimit of a producer-side Queue: holds every worker of the queue. */
  rateLimit: (ms: number) => Promise<void>;
  concurrency: number;
  /** A job whose worker stops renewing its lock (crash, SIGKILL) goes back to the queue after this. */
  lockDurationMs: number;
  defaultTimeoutMs: number;
  keepCompleted: KeepJobsConfig;
  keepFailed: KeepJobsConfig;
  observer?: JobObserver;
  /** Stored on each job it runs (`processedBy`): which replica ran what. */
  name?: string;
  random?: () => number;
}

export interface JobWorker {
  readonly worker: Worker;
  /**
   * Stop taking jobs; let active ones finish within `timeoutMs`; then return the unfinished ones to the
   * queue (no attempt used) and close. Returns whether every active job finished in time.
   */
  close(timeoutMs: number): Promise<{ finishedInTime: boolean }>;
}

/**
 * Manual rate limits (Kratos 429, Kratos down) only stop *other* workers when the worker has a limiter:
 * BullMQ checks the limit key against `limiter.max`. This one never limits by itself (a million jobs a
 * second); it is there so that `queue.rateLimit(ms)` holds every worker of every process.
 */
const HOLD_ONLY_LIMITER = { max: 1_000_000, duration: 1_000 };

export function createJobWorker<Deps>(options: JobWorkerOptions<Deps>): JobWorker {
  const shutdown = new AbortController();
  const processor = createProcessor<Deps>({
    catalogue: options.catalogue,
    deps: options.deps,
    logger: options.logger,
    outagePause: options.outagePause,
    rateLimit: options.rateLimit,
    shutdownSignal: shutdown.signal,
    defaultTimeoutMs: options.defaultTimeoutMs,
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.lockDurationMs,
    // A job whose process died twice in a row still comes back once more before it is failed.
    maxStalledCount: 2,
    limiter: HOLD_ONLY_LIMITER,
    removeOnComplete: { age: options.keepCompleted.ageSeconds, count: options.keepCompleted.count },
    removeOnFail: { age: options.keepFailed.ageSeconds, count: options.keepFailed.count },
    settings: {
      backoffStrategy: createBackoffStrategy(
        (name) => lookupJob<Deps>(options.catalogue, name)?.options.backoff,
        options.random,
      ),
    },
    ...(options.name ? { name: options.name } : {}),
  });
  worker.on('error', (err) => options.logger.warn({ err }, 'worker error'));

  return {
    worker,
    async close(timeoutMs) {
      const closing = worker.close();
      const finishedInTime = await settlesWithin(closing, timeoutMs);
      if (!finishedInTime) {
        options.logger.warn({ timeoutMs }, 'shutdown timeout: returning unfinished jobs to the queue');
        shutdown.abort();
        // Returning jobs takes one Redis call each; if even that hangs, their locks expire and the stalled
        // check hands them to another worker: unfinished jobs are never lost either way.
        await settlesWithin(closing, 10_000);
      }
      return { finishedInTime };
    },
  };
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
