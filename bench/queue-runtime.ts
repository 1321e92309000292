/**
 * queue: the queue runtime's own cost. Throughput comes from bench/queue.ts (the queue engineer's: no-op jobs
 * through the real producer and worker, INFO commandstats per job), run as it is; round trips per job are
 * counted here exactly with MONITOR — every command a client sent, leaving out the ones BullMQ's Lua scripts
 * run inside Redis (which commandstats counts as well).
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { silentLogger } from '../src/log/logger.ts';
import { createCatalogue } from '../src/queue/job-definition.ts';
import { noopJob } from './support/noop-job.ts';
import { addJob, createQueue } from '../src/queue/job-queue.ts';
import { createJobWorker } from '../src/queue/job-worker.ts';
import { createKratosOutagePause } from '../src/queue/kratos-outage-pause.ts';
import { closeRedis, createRedis, redisReady } from '../src/queue/redis-connection.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { goal, type BenchOptions, type BenchResult } from './support/report.ts';

async function queueBenchOutput(jobs: number): Promise<string> {
  const child = spawn(
    process.execPath,
    [new URL('./queue.ts', import.meta.url).pathname, '--jobs', String(jobs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/queue.ts exited ${code}:\n${out}`);
  return out;
}

/** Client commands (not Lua-internal ones) per job while enqueueing and while processing `jobs` jobs. */
async function roundTrips(jobs: number): Promise<{ enqueue: number; process: number; byCommand: string }> {
  const server = await startRedisServer();
  const logger = silentLogger();
  const config = { url: server.url, prefix: '{bench-rt}' };
  const monitorClient = new Redis(server.url);
  const monitor = await monitorClient.monitor();
  let phase: 'idle' | 'enqueue' | 'process' = 'idle';
  const counts = { enqueue: 0, process: 0 };
  const byCommand = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (phase === 'idle' || source === 'lua') return;
    counts[phase]++;
    if (phase === 'process')
      byCommand.set(args[0]!.toLowerCase(), (byCommand.get(args[0]!.toLowerCase()) ?? 0) + 1);
  });
  const producer = createRedis(config, { role: 'producer', logger });
  await redisReady(producer);
  const queue = createQueue({ connection: producer, prefix: config.prefix, logger });
  await queue.waitUntilReady();
  try {
    phase = 'enqueue';
    for (let i = 0; i < jobs; i++) await addJob(queue, noopJob, { n: i });
    const outagePause = createKratosOutagePause({
      ready: async () => true,
      hold: (ms) => queue.rateLimit(ms),
      release: async () => void (await queue.removeRateLimitKey()),
      logger,
    });
    let done = 0;
    let resolveDone = () => {};
    const allDone = new Promise<void>((resolve) => (resolveDone = resolve));
    phase = 'process';
    const connection = createRedis(config, { role: 'worker', logger });
    const worker = createJobWorker({
      connection,
      prefix: config.prefix,
      catalogue: createCatalogue([noopJob]),
      deps: null,
      logger,
      outagePause,
      rateLimit: (ms) => queue.rateLimit(ms),
      concurrency: 16,
      lockDurationMs: 30_000,
      defaultTimeoutMs: 60_000,
      keepCompleted: { ageSeconds: 3_600, count: 1_000 },
      keepFailed: { ageSeconds: 3_600, count: 1_000 },
      observer: { jobFinished: () => void (++done === jobs && resolveDone()) },
    });
    await allDone;
    phase = 'idle';
    await worker.close(5_000);
    outagePause.close();
    await closeRedis(connection);
  } finally {
    phase = 'idle';
    await queue.close();
    await closeRedis(producer);
    monitor.disconnect();
    monitorClient.disconnect();
    await server.stop();
  }
  const top = [...byCommand].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return {
    enqueue: counts.enqueue / jobs,
    process: counts.process / jobs,
    byCommand: top.map(([command, n]) => `${command} ${(n / jobs).toFixed(2)}`).join(', '),
  };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const jobs = options.quick ? 2_000 : 20_000;
  const output = await queueBenchOutput(jobs);
  const rate = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+) jobs/s`).exec(output)?.[1] ?? NaN);
  const trips = await roundTrips(options.quick ? 500 : 2_000);
  const perJob = trips.enqueue + trips.process;
  return {
    name: 'queue',
    title: 'queue runtime with a no-op job (one worker process, concurrency 16, own redis-server)',
    figures: [
      ['bench/queue.ts', output.trim().split('\n').join(' | ')],
      ['enqueue', `${rate('enqueue')} jobs/s`],
      ['process', `${rate('process')} jobs/s`],
      [
        'round trips per job',
        `${perJob.toFixed(2)} = ${trips.enqueue.toFixed(2)} to enqueue + ${trips.process.toFixed(2)} to run (${trips.byCommand})`,
      ],
    ],
    goals: [goal('Redis round trips per job', '≤ 3', perJob.toFixed(2), perJob <= 3)],
    notes: [
      'Round trips are counted with MONITOR (commands from clients; commands Lua scripts run inside Redis left out), on a separate run than the throughput figures, which MONITOR would slow down.',
    ],
  };
}
