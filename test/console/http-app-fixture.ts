import type { FastifyInstance } from 'fastify';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import { buildHttpApp } from '../../src/http/build-http-app.ts';
import { createMetrics, type Metrics, type MetricsSources } from '../../src/metrics/metrics.ts';
import { createSourceStatsStore } from '../../src/metrics/source-stats.ts';
import { createQueue } from '../../src/queue/job-queue.ts';
import { closeRedis, createRedis, redisReady } from '../../src/queue/redis-connection.ts';
import type { SyncContext } from '../../src/sync/context.ts';

export interface OpenHttpApp {
  app: FastifyInstance;
  metrics: Metrics;
  /** Closes the app, its queue and its Redis connection. */
  close(): Promise<void>;
}

/**
 * The HTTP app as `kratos-sync worker --role http` serves it (console beside the dashboard, /metrics with
 * the queue's job counts), on a producer connection of its own, for source `hr`. `metrics` adds what a
 * test's metrics read besides (the uncertain invites).
 */
export async function openHttpApp(
  ctx: SyncContext,
  metrics: Pick<MetricsSources, 'uncertainInvites'> = {},
): Promise<OpenHttpApp> {
  const producer = createRedis(ctx.config.redis, { role: 'producer', logger: ctx.logger });
  await redisReady(producer);
  const queue = createQueue({ connection: producer, prefix: ctx.config.redis.prefix, logger: ctx.logger });
  const served = createMetrics({
    sources: ['hr'],
    stats: createSourceStatsStore(producer, ctx.config.redis.prefix),
    jobCounts: () => queue.getJobCounts('waiting', 'failed'),
    ...metrics,
  });
  const app = await buildHttpApp({
    config: ctx.config,
    logger: ctx.logger,
    redis: producer,
    queue,
    enqueuePerson: (request) => enqueuePersonSync(queue, request),
    kratosReady: async () => true,
    metrics: served,
    ctx,
  });
  return {
    app,
    metrics: served,
    close: async () => {
      await app.close();
      await queue.close();
      await closeRedis(producer);
    },
  };
}
