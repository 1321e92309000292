import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../log/logger.ts';
import { checkCronExpression, previousTick, tickIso } from './cron-ticks.ts';
import type { RedisClient } from './redis-connection.ts';
import { runtimeKeys } from './runtime-keys.ts';

export type ScheduleTrigger = 'schedule' | 'catch-up';

export interface SchedulerOptions {
  /** Sources with a `schedule`. */
  schedules: ReadonlyArray<{ source: string; cron: string }>;
  /**
   * Enqueue the full sync of one tick. Must be idempotent per (source, tick) — a deterministic job id —
   * and must not start a second run while one of the source is still going (deduplication on the run).
   * Resolves the job id.
   */
  enqueueRun: (source: string, tick: Date, trigger: ScheduleTrigger) => Promise<string>;
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  now?: () => Date;
  /** How far back a missed tick is looked for at start-up. @defaultValue 31 days */
  catchUpWindowMs?: number;
}

export interface Scheduler {
  stop(): Promise<void>;
}

/** A tick that fires later than this is logged as late (node-cron's own default tolerance). */
const LATE_NOTICE_MS = 1_000;

/** Advance the source's last tick, never backwards (ISO strings in one format sort as times). */
const ADVANCE_LAST_TICK = `
local current = redis.call('GET', KEYS[1])
if (not current) or current < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0`;

/**
 * node-cron schedules for every source with a `schedule`, safe to run in any number of replicas
 * (any replica may die or be added at any time). Every replica fires on every tick; each tick becomes at
 * most one job because
 * - the job id is derived from (source, tick), so the replicas' adds collapse into one job, and
 * - the source's last tick is kept in Redis and only advanced after the job was added: a replica whose
 *   clock runs late, arriving after that job finished and was removed, sees the tick already done.
 * At start-up a missed tick (the latest one since the last recorded tick) is enqueued once, as
 * `catch-up`; the first start ever records the current tick without running it. A tick whose timer fires
 * late (the process stalled) still runs, under its scheduled time, and is logged as late.
 */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const now = options.now ?? (() => new Date());
  const keys = runtimeKeys(options.prefix);
  const logger = options.logger.child({ role: 'scheduler' });
  for (const { source, cron } of options.schedules) checkCronExpression(source, cron);

  async function lastTick(source: string): Promise<string | null> {
    return await options.redis.get(keys.lastTick(source));
  }

  async function fire(source: string, tick: Date, trigger: ScheduleTrigger): Promise<void> {
    const iso = tickIso(tick);
    const last = await lastTick(source);
    if (last !== null && last >= iso) {
      logger.debug({ source, tick: iso }, 'tick already enqueued by another replica');
      return;
    }
    const jobId = await options.enqueueRun(source, new Date(iso), trigger);
    await options.redis.eval(ADVANCE_LAST_TICK, 1, keys.lastTick(source), iso);
    logger.info({ source, tick: iso, trigger, jobId }, 'scheduled full sync enqueued');
  }

  async function catchUp(source: string, cron: string): Promise<void> {
    const windowMs = options.catchUpWindowMs ?? 31 * 86_400_000;
    const current = now();
    const last = await lastTick(source);
    const after = last ? new Date(Math.max(Date.parse(last), current.getTime() - windowMs)) : current;
    const missed = last ? previousTick(cron, current, after) : null;
    if (missed) {
      logger.info(
        { source, missed: tickIso(missed), last },
        'catching up a run missed while no scheduler ran',
      );
      await fire(source, missed, 'catch-up');
    } else if (!last) {
      const recent = previousTick(cron, current, new Date(current.getTime() - windowMs));
      if (recent) await options.redis.eval(ADVANCE_LAST_TICK, 1, keys.lastTick(source), tickIso(recent));
    }
  }

  const tasks: ScheduledTask[] = [];
  for (const { source, cron } of options.schedules) {
    await catchUp(source, cron);
    const task = createTask(
      cron,
      async (context) => {
        const lateMs = context.triggeredAt.getTime() - context.date.getTime();
        if (lateMs > LATE_NOTICE_MS) {
          logger.warn(
            { source, tick: tickIso(context.date), lateMs },
            'scheduled tick fired late; running it now',
          );
        }
        try {
          await fire(source, context.date, 'schedule');
        } catch (err) {
          // A failed add (Redis away) is not retried here: the next start-up catches the tick up.
          logger.error({ err, source }, 'could not enqueue the scheduled full sync');
        }
      },
      // node-cron drops a tick whose timer fired more than this late (1 s by default), with only a console
      // warning: a process stalled at the tick (GC pause, loaded machine, laptop waking) would lose that day's
      // run. Any lateness is accepted; node-cron still hands over the scheduled time, so `fire` keeps the
      // tick once across replicas. A tick overtaken by a later one before the timer fired is reported as
      // missed instead (node-cron's planBeat, dist/_shared.js) and left to that later tick, as at start-up.
      { missedExecutionTolerance: Number.POSITIVE_INFINITY },
    );
    // A listener also keeps node-cron from writing its own warning to the console.
    task.on('execution:missed', (context) => {
      logger.warn(
        { source, tick: tickIso(context.date) },
        'scheduled tick overtaken by a later one before its timer fired; the later tick runs instead',
      );
    });
    await task.start();
    tasks.push(task);
  }
  logger.info({ sources: options.schedules.map((s) => s.source) }, 'scheduler started');

  return {
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}
