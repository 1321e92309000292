import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { Logger } from '../../src/log/logger.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createJobQueue, type JobQueue } from '../../src/queue/job-queue.ts';
import { createJobWorker, type JobWorker, type JobWorkerOptions } from '../../src/queue/job-worker.ts';
import { createKratosOutagePause, type KratosOutagePause } from '../../src/queue/kratos-outage-pause.ts';
import type { JobObserver, JobOutcome } from '../../src/queue/processor.ts';
import { closeRedis, createRedis, type RedisClient } from '../../src/queue/redis-connection.ts';

/** A hash-tagged prefix of its own per test, so tests share one redis-server without seeing each other. */
export function uniquePrefix(): string {
  return `{t-${randomBytes(5).toString('hex')}}`;
}

/** Poll until `check` returns a truthy value, or fail after `timeoutMs` with `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | false | null | undefined> | T | false | null | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Counts job outcomes as the metrics would. */
export class RecordingObserver implements JobObserver {
  readonly events: Array<{ type: string; outcome: JobOutcome }> = [];
  jobFinished(event: { type: string; outcome: JobOutcome }): void {
    this.events.push({ type: event.type, outcome: event.outcome });
  }
  count(outcome: JobOutcome, type?: string): number {
    return this.events.filter((e) => e.outcome === outcome && (!type || e.type === type)).length;
  }
}

export interface TestRuntime<C extends object> {
  prefix: string;
  redisUrl: string;
  /** A plain client for assertions. */
  redis: Redis;
  queue: JobQueue<C>;
  outagePause: KratosOutagePause;
  observer: RecordingObserver;
  startWorker(overrides?: Partial<JobWorkerOptions<unknown>>): JobWorker;
  close(): Promise<void>;
}

/** Real Redis, real BullMQ: a producer queue and as many workers as a test starts, all cleaned up. */
export function createTestRuntime<C extends object>(options: {
  catalogue: C;
  deps: unknown;
  ready?: () => Promise<boolean>;
  logger?: Logger;
  probeIntervals?: { min: number; max: number };
}): TestRuntime<C> {
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix();
  const logger = options.logger ?? silentLogger();
  const redisConfig = { url: redisUrl, prefix };
  const connections: RedisClient[] = [];
  const producerConnection = createRedis(redisConfig, { role: 'producer', logger });
  connections.push(producerConnection);
  const queue = createJobQueue({
    connection: producerConnection,
    prefix,
    catalogue: options.catalogue,
    logger,
  });
  const outagePause = createKratosOutagePause({
    ready: options.ready ?? (async () => true),
    hold: (ms) => queue.queue.rateLimit(ms),
    release: async () => {
      await queue.queue.removeRateLimitKey();
    },
    logger,
    minProbeIntervalMs: options.probeIntervals?.min ?? 100,
    maxProbeIntervalMs: options.probeIntervals?.max ?? 400,
  });
  const observer = new RecordingObserver();
  const workers: JobWorker[] = [];
  const redis = new Redis(redisUrl);
  return {
    prefix,
    redisUrl,
    redis,
    queue,
    outagePause,
    observer,
    startWorker(overrides = {}) {
      const connection = createRedis(redisConfig, { role: 'worker', logger });
      connections.push(connection);
      const worker = createJobWorker({
        connection,
        prefix,
        catalogue: options.catalogue,
        deps: options.deps,
        logger,
        outagePause,
        rateLimit: (ms) => queue.queue.rateLimit(ms),
        concurrency: 4,
        lockDurationMs: 5_000,
        defaultTimeoutMs: 30_000,
        keepCompleted: { ageSeconds: 3600, count: 1000 },
        keepFailed: { ageSeconds: 3600, count: 1000 },
        observer,
        ...overrides,
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      outagePause.close();
      for (const worker of workers) await worker.close(1_000);
      await queue.close();
      for (const connection of connections) await closeRedis(connection);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
