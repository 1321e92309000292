import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { buildHttpApp } from '../../src/http/build-http-app.ts';
import type { EnqueuePerson } from '../../src/http/routes/webhooks.ts';
import type { Logger } from '../../src/log/logger.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.ts';
import { createSourceStatsStore } from '../../src/metrics/source-stats.ts';
import { createQueue } from '../../src/queue/job-queue.ts';
import { closeRedis, createRedis, redisReady } from '../../src/queue/redis-connection.ts';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import { sourceSection } from '../sync/engine-harness.ts';
import { uniquePrefix } from '../queue/helpers.ts';

export const WEBHOOK_SECRET = 'whsec-0123456789abcdef-never-logged';

/** An HR system's `employee.updated` event naming one employee (the fixture's `personKey` reads its id). */
export const employeeEvent = (id: string | number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ type: 'employee.updated', data: { employee: { id, ...extra } } });

export function httpTestConfig(
  prefix: string,
  overrides: { http?: Record<string, unknown>; webhook?: Record<string, unknown>; adminUrl?: string } = {},
): Config {
  return loadConfig({
    env: {},
    object: {
      kratos: {
        adminUrl: overrides.adminUrl ?? 'http://127.0.0.1:9',
        timeoutMs: 1_000,
        retry: { retries: 0 },
      },
      redis: { url: inject('redisUrl'), prefix },
      sources: {
        hr: sourceSection({
          webhook: {
            secret: WEBHOOK_SECRET,
            personKey: 'data.employee.id',
            toleranceSeconds: 300,
            maxBodyBytes: 2048,
            ...overrides.webhook,
          },
        }),
        crm: sourceSection(),
      },
      http: { port: 0, host: '127.0.0.1', ...overrides.http },
    },
  }).config;
}

/** The real HTTP app on a real Redis and a real queue (no worker: jobs stay where the app put them). */
export async function startHttpFixture(
  options: {
    http?: Record<string, unknown>;
    webhook?: Record<string, unknown>;
    kratosReady?: () => Promise<boolean>;
    logger?: Logger;
    now?: () => Date;
    /** Wraps the real enqueue (a queue that fails or stalls for a while). */
    wrapEnqueue?: (enqueue: EnqueuePerson) => EnqueuePerson;
  } = {},
) {
  const prefix = uniquePrefix();
  const config = httpTestConfig(prefix, options);
  const logger = options.logger ?? silentLogger();
  const producer = createRedis(config.redis, { role: 'producer', logger });
  await redisReady(producer);
  const queue = createQueue({ connection: producer, prefix, logger });
  const metrics: Metrics = createMetrics({
    sources: Object.keys(config.sources),
    stats: createSourceStatsStore(producer, prefix),
    jobCounts: () => queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
  });
  const wrap = options.wrapEnqueue ?? ((enqueue: EnqueuePerson) => enqueue);
  const app = await buildHttpApp({
    config,
    logger,
    redis: producer,
    queue,
    enqueuePerson: wrap((request) => enqueuePersonSync(queue, request)),
    kratosReady: options.kratosReady ?? (async () => true),
    metrics,
    ...(options.now ? { now: options.now } : {}),
  });
  const redis = new Redis(inject('redisUrl'));
  return {
    app,
    queue,
    prefix,
    config,
    redis,
    metrics,
    async close() {
      await app.close();
      await queue.close();
      await closeRedis(producer);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
