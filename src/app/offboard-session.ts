import { Queue } from 'bullmq';
import { offboardPersonJob } from '../../jobs/offboard-person.ts';
import { offboardRunbookJob } from '../../jobs/offboard-runbook.ts';
import type { OffboardSession, OpenOffboardOptions } from '../cli/cli-parts.ts';
import { createCatalogue } from '../queue/job-definition.ts';
import { createPersonLocks } from '../queue/person-locks.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import { QUEUE_NAME } from '../queue/runtime-keys.ts';
import { buildContext } from './build-context.ts';
import { startInlineWorker } from './inline-runbook-worker.ts';
import { openReleasing } from './release-stack.ts';

/**
 * What `kratos-sync offboard` works with: the engine context for one source, a state connection for the
 * runbook's records, and the queue its jobs go to — the shared one (`kratos-sync worker` runs them), or
 * with `inline` a queue of this process with its own worker. Released, last opened first, when it ends.
 */
export function openOffboardSession(options: OpenOffboardOptions): Promise<OffboardSession> {
  const { config, logger } = options;
  const prefix = config.redis.prefix;
  return openReleasing(async (releases) => {
    const built = await buildContext({ config, baseDir: options.baseDir, logger, only: [options.source] });
    releases.defer('engine context', () => built.release());
    const { ctx } = built;
    const connection = createRedis(config.redis, { role: 'state', logger, name: 'kratos-sync:offboard' });
    releases.defer('offboard connection', () => closeRedis(connection));
    let queue: Queue;
    if (options.inline) {
      const locks = createPersonLocks({
        redis: ctx.redis,
        prefix,
        logger,
        ttlMs: config.queue.lockDuration,
      });
      const catalogue = createCatalogue([offboardPersonJob, offboardRunbookJob]);
      const inline = startInlineWorker({
        config,
        kratos: ctx.kratos,
        logger,
        catalogue,
        host: { ctx, locks },
      });
      releases.defer('inline runbook worker', () => inline.close());
      queue = inline.queue;
    } else {
      const shared = new Queue(QUEUE_NAME, { connection, prefix });
      releases.defer('queue', () => shared.close());
      queue = shared;
    }
    return { ctx, queue, connection };
  });
}
