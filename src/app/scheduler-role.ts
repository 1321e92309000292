import { enqueueFullSync } from '../../jobs/enqueue.ts';
import { startScheduler } from '../queue/scheduler.ts';
import type { ProcessParts } from './process-parts.ts';

/** The `scheduler` role: enqueues each source's scheduled full sync, one job per tick across replicas. */
export async function startSchedulerRole(parts: ProcessParts): Promise<void> {
  const { config, queue, now } = parts;
  const schedules = Object.entries(config.sources).flatMap(([source, s]) =>
    s.schedule ? [{ source, cron: s.schedule }] : [],
  );
  const scheduler = await startScheduler({
    schedules,
    enqueueRun: (source, tick) => enqueueFullSync(queue, { source, trigger: 'schedule', tick, now: now() }),
    redis: parts.state,
    prefix: config.redis.prefix,
    logger: parts.logger,
    now,
  });
  parts.releases.defer('scheduler', () => scheduler.stop());
}
