import { afterEach, describe, expect, it } from 'vitest';
import { runStoreFor } from '../../src/sync/apply-deps.ts';
import { waitFor } from '../queue/helpers.ts';
import { people } from '../sync/engine-harness.ts';
import { spawnWorker, stopAll, waitForLine, writeConfigFile, type WorkerChild } from './process-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let harness: RuntimeHarness | undefined;
const children: WorkerChild[] = [];
afterEach(async () => {
  await stopAll(children.splice(0));
  await harness?.close();
  harness = undefined;
});

// Four processes start and five 2-second ticks run, allowed 60 s by the wait below: more than the everyday
// 60 s per test once start-up on a loaded machine is added.
describe('three scheduler processes', { timeout: 180_000 }, () => {
  it('produce exactly one run per tick', async () => {
    const h = (harness = await startRuntimeHarness({
      people: people(5),
      source: { schedule: '*/2 * * * * *' },
      config: { log: { level: 'info' } },
    }));
    const configFile = writeConfigFile(h.dir, h.configObject);
    for (const name of ['s1', 's2', 's3'])
      children.push(spawnWorker({ configFile, roles: 'scheduler', name }));
    children.push(spawnWorker({ configFile, roles: 'worker', name: 'w1' }));
    for (const child of children) await waitForLine(child, 'kratos-sync worker started');

    const runsOf = async () => (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'sync.full');
    await waitFor('five scheduled runs', async () => (await runsOf()).length >= 5, 60_000);
    for (const scheduler of children.slice(0, 3)) scheduler.kill('SIGTERM');
    for (const scheduler of children.slice(0, 3)) expect(await scheduler.exited).toBe(0);
    await waitFor('the last run to finish', async () => {
      const pending = await h.queue.getJobs([
        'waiting',
        'prioritized',
        'active',
        'waiting-children',
        'delayed',
      ]);
      return pending.length === 0;
    });

    const jobs = await runsOf();
    const ticks = jobs.map((j) => j.id!).sort();
    // One job per tick, each a different tick.
    expect(new Set(ticks).size).toBe(jobs.length);
    // The ticks the schedulers fired (from their log lines, all read: the processes have ended), two seconds
    // apart with none missing. Each became its own job, or — when the previous run was still going at that
    // tick, which a loaded machine can make happen — the run's deduplication handed back that run's job.
    const fired = new Map<string, string>();
    for (const scheduler of children.slice(0, 3))
      for (const line of scheduler.lines.filter((l) => l.includes('scheduled full sync enqueued'))) {
        const { tick, jobId } = JSON.parse(line) as { tick: string; jobId: string };
        fired.set(tick, jobId);
      }
    const times = [...fired.keys()].map((tick) => Date.parse(tick)).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(2_000);
    for (const [tick, jobId] of fired) {
      expect(ticks, `tick ${tick}`).toContain(jobId);
      const own = `sync.full@hr@${tick.replace(/[-:.]/g, '')}`;
      if (jobId !== own) expect(jobId < own, `tick ${tick} handed ${jobId}`).toBe(true);
    }
    // Each job made exactly one run of the source: as many runs as ticks.
    const runs = await runStoreFor({ redis: h.redis, config: h.config } as never).list({
      source: 'hr',
      limit: 100,
    });
    expect(runs).toHaveLength(jobs.length);
    expect(runs.every((r) => r.trigger === 'schedule')).toBe(true);
    // Every scheduler process took part (each fired every tick).
    for (const scheduler of children.slice(0, 3))
      expect(scheduler.lines.some((l) => l.includes('scheduler started'))).toBe(true);
  });
});
