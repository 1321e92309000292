import type { Queue } from 'bullmq';
import type { Config } from '../config/schema.ts';
import { createMetrics, type Metrics } from '../metrics/metrics.ts';
import type { SourceStatsStore } from '../metrics/source-stats.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import { createDeliveryStore } from '../store/delivery-store.ts';

/**
 * The process's Prometheus metrics. Their gauges read the queue's job counts, the per-source statistics
 * and the delivery store when /metrics is scraped; the stores are built here once, so a scrape only reads.
 */
export function createProcessMetrics(options: {
  config: Config;
  state: RedisClient;
  queue: Queue;
  stats: SourceStatsStore;
  now: () => Date;
}): Metrics {
  const { config, queue } = options;
  const deliveries = createDeliveryStore({
    redis: options.state,
    prefix: config.redis.prefix,
    now: options.now,
  });
  return createMetrics({
    sources: Object.keys(config.sources),
    stats: options.stats,
    jobCounts: () =>
      queue.getJobCounts(
        'waiting',
        'prioritized',
        'active',
        'delayed',
        'failed',
        'completed',
        'waiting-children',
      ),
    uncertainInvites: () => deliveries.countUncertain(),
  });
}
