import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log/logger.ts';
import { tickIso } from '../../src/queue/cron-ticks.ts';
import { startScheduler, type Scheduler, type ScheduleTrigger } from '../../src/queue/scheduler.ts';
import { uniquePrefix, waitFor } from './helpers.ts';

const redis = new Redis(inject('redisUrl'));
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The scheduler's contract with its enqueue function: one job per (source, tick) by a deterministic id. Here
 * that function adds plain BullMQ jobs (no deduplication on the run), so every tick the replicas fire is
 * visible as a job.
 */
function tickQueue(prefix: string) {
  const queue = new Queue('ticks', { connection: { url: inject('redisUrl') }, prefix });
  const calls: Array<{ source: string; tick: string; trigger: ScheduleTrigger }> = [];
  cleanups.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  const enqueueRun = async (source: string, tick: Date, trigger: ScheduleTrigger) => {
    calls.push({ source, tick: tickIso(tick), trigger });
    const job = await queue.add(
      'sync.full',
      { source, trigger },
      { jobId: `${source}@${tickIso(tick).replace(/[-:.]/g, '')}` },
    );
    return job.id!;
  };
  return { queue, calls, enqueueRun };
}

async function start(
  prefix: string,
  options: Partial<Parameters<typeof startScheduler>[0]> &
    Pick<Parameters<typeof startScheduler>[0], 'enqueueRun'>,
): Promise<Scheduler> {
  const connection = new Redis(inject('redisUrl'));
  const scheduler = await startScheduler({
    schedules: [{ source: 'hr', cron: '* * * * * *' }],
    redis: connection,
    prefix,
    logger: silentLogger(),
    ...options,
  });
  cleanups.push(async () => {
    await scheduler.stop();
    connection.disconnect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  });
  return scheduler;
}

describe('scheduler', () => {
  it('turns each tick into one job however many replicas fire it', async () => {
    const prefix = uniquePrefix();
    const { queue, calls, enqueueRun } = tickQueue(prefix);
    const replicas = await Promise.all([1, 2, 3].map(() => start(prefix, { enqueueRun })));
    expect(replicas).toHaveLength(3);
    await waitFor(
      'four ticks',
      async () => ((await queue.getJobCounts('waiting')).waiting ?? 0) >= 4,
      30_000, // four 1 s ticks: generous for a loaded machine
    );
    for (const replica of replicas) await replica.stop();
    // Stopping does not wait for a tick already firing: give its add the time to land before counting (a
    // lost tick still fails, on the wait or on the count below).
    const firedTicks = () => new Set(calls.map((c) => c.tick)).size;
    await waitFor('the last fired tick to be added', async () => {
      return ((await queue.getJobCounts('waiting')).waiting ?? 0) >= firedTicks();
    }).catch(() => undefined);
    const jobs = await queue.getJobs(['waiting']);
    const ticks = jobs.map((j) => j.id!);
    expect(new Set(ticks).size).toBe(jobs.length);
    // Every replica fired every tick…
    const fired = new Set(calls.map((c) => c.tick));
    expect(calls.length).toBeGreaterThanOrEqual(fired.size);
    // …yet each tick is one job, and no tick between the first and the last was lost.
    expect(jobs.length).toBe(fired.size);
    const times = [...fired].map((t) => Date.parse(t)).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
  });

  it('still runs a tick its timer fired late (the process stalled), once across replicas, and logs it', async () => {
    const prefix = uniquePrefix();
    const { queue, calls, enqueueRun } = tickQueue(prefix);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (l: string) => void lines.push(l) },
    });
    const schedules = [
      { source: 'hr', cron: '*/5 * * * * *' },
      { source: 'crm', cron: '* * * * * *' },
    ];
    await Promise.all([1, 2].map(() => start(prefix, { enqueueRun, schedules, logger })));
    // Stall the event loop (both replicas live in it) from before a tick of hr until 2.3 s after it: past
    // node-cron's 1 s tolerance, well short of hr's next tick. crm's ticks in between are overtaken.
    // (The stall starts 2 s early, so a timer of the test that wakes late on a loaded machine still beats the tick.)
    let tick = Math.ceil((Date.now() + 2_500) / 5_000) * 5_000;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tick - 2_000 - Date.now())));
      if (Date.now() < tick - 500) break;
      // The test's own timer woke too late to stall before this tick (its timer may have fired on time): the next.
      tick += 5_000;
    }
    while (Date.now() < tick + 2_300) {
      // busy: no timer can fire
    }
    const tickJobId = `hr@${tickIso(new Date(tick)).replace(/[-:.]/g, '')}`;
    await waitFor(
      'the late tick to be enqueued',
      async () => (await queue.getJob(tickJobId)) ?? false,
      15_000,
    );
    expect(
      calls.filter((c) => c.source === 'hr' && c.tick === tickIso(new Date(tick))).length,
    ).toBeGreaterThan(0);
    expect((await queue.getJobs(['waiting'])).filter((j) => j.id === tickJobId)).toHaveLength(1);
    expect(await redis.get(`${prefix}:schedule:hr:last-tick`)).toBe(tickIso(new Date(tick)));
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // Only the stalled tick's notice: on a loaded machine an earlier hr tick may also have fired over 1 s late.
    const late = logged.filter(
      (l) =>
        l.msg === 'scheduled tick fired late; running it now' &&
        l.source === 'hr' &&
        l.tick === tickIso(new Date(tick)),
    );
    expect(late.length).toBeGreaterThan(0);
    expect(late[0]).toMatchObject({ level: 'warn' });
    expect(late[0]!.lateMs).toBeGreaterThan(1_000);
    const overtaken = logged.filter((l) => l.source === 'crm' && /overtaken/.test(String(l.msg)));
    expect(overtaken.map((l) => l.tick)).toContain(tickIso(new Date(tick)));
  });

  it('catches up the latest missed tick once at start-up, however many replicas start', async () => {
    const prefix = uniquePrefix();
    const { queue, calls, enqueueRun } = tickQueue(prefix);
    const now = new Date('2026-11-27T10:07:30Z');
    // The last tick anyone enqueued was at 10:00; the hourly-at-:05 tick of 10:05 was missed.
    await redis.set(`${prefix}:schedule:hr:last-tick`, '2026-11-27T09:05:00.000Z');
    const hourly = [{ source: 'hr', cron: `5 * * * *` }];
    await Promise.all([1, 2, 3].map(() => start(prefix, { enqueueRun, schedules: hourly, now: () => now })));
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    const localTenOhFive = new Date(now);
    localTenOhFive.setMinutes(5, 0, 0);
    expect(calls.filter((c) => c.trigger === 'catch-up').map((c) => c.tick)[0]).toBe(tickIso(localTenOhFive));
    expect(await redis.get(`${prefix}:schedule:hr:last-tick`)).toBe(tickIso(localTenOhFive));
  });

  it('does not run a missed tick on the very first start, but records where it starts from', async () => {
    const prefix = uniquePrefix();
    const { queue, enqueueRun } = tickQueue(prefix);
    const now = new Date('2026-11-27T10:07:30Z');
    await start(prefix, { enqueueRun, schedules: [{ source: 'hr', cron: '5 * * * *' }], now: () => now });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
    expect(await redis.get(`${prefix}:schedule:hr:last-tick`)).not.toBeNull();
  });

  it('refuses a bad cron expression with the source and the field named', async () => {
    const prefix = uniquePrefix();
    const { enqueueRun } = tickQueue(prefix);
    await expect(
      start(prefix, { enqueueRun, schedules: [{ source: 'hr', cron: '0 25 * * *' }] }),
    ).rejects.toThrow(/^sources\.hr\.schedule: "0 25 \* \* \*" is not a valid cron expression/);
  });
});
