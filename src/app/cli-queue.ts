import type { OpenQueueOptions, QueueSession } from '../cli/cli-parts.ts';
import { createQueue } from '../queue/job-queue.ts';
import { closeRedis, createRedis, redisReady } from '../queue/redis-connection.ts';
import { openReleasing } from './release-stack.ts';

/**
 * The shared queue for a command that adds or reads jobs (`failed`, `sync --person --queue`, `explain`),
 * on a producer connection of its own; both are released, queue first, when the command ends.
 */
export function openCliQueue(options: OpenQueueOptions): Promise<QueueSession> {
  const { config, logger } = options;
  return openReleasing(async (releases) => {
    const connection = createRedis(config.redis, { role: 'producer', logger, name: 'kratos-sync:cli' });
    releases.defer('producer connection', () => closeRedis(connection));
    const queue = createQueue({ connection, prefix: config.redis.prefix, logger });
    releases.defer('queue', () => queue.close());
    if (options.waitUntilReady) await redisReady(connection);
    return { queue };
  });
}
