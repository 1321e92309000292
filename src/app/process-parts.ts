import type { Queue } from 'bullmq';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { SourceStatsStore } from '../metrics/source-stats.ts';
import type { RunNotifier } from '../notify/run-notifier.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import type { ReleaseStack } from './release-stack.ts';

/**
 * What every role of a worker process shares, opened once by `startWorkerProcess` (worker-process.ts) and
 * handed to each role's starter. A role registers what it opens on `releases`, so the process closes it.
 */
export interface ProcessParts {
  config: Config;
  /** Folder relative paths in the config resolve against (the config file's folder). */
  baseDir: string;
  logger: Logger;
  now: () => Date;
  /** This replica's name (job records' `processedBy`, Redis CLIENT LIST). */
  name: string;
  releases: ReleaseStack;
  /** Engine state, locks, statistics. */
  state: RedisClient;
  /** Adds jobs; the HTTP side's replay ids and readiness PING. */
  producer: RedisClient;
  /** Producer side of the shared queue. */
  queue: Queue;
  stats: SourceStatsStore;
  metrics: Metrics;
  /** The process's one run notifier, when `notify:` configures a channel. */
  notifier?: RunNotifier;
}
