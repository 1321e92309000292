/**
 * `node bench/queue.ts [--jobs 5000] [--concurrency 16]`: the queue runtime's own cost, without Kratos or
 * a source. Jobs of a no-op type go through the real producer (`addJob`) and the real worker (processor,
 * payload validation, backoff strategy, the hold-only limiter) on a fresh redis-server of their own, and it
 * prints jobs per second for enqueueing and for processing, and Redis commands per job from the server's
 * `INFO commandstats` (a delta over each phase; commands BullMQ's Lua scripts run inside Redis count too,
 * so `EVALSHA` per job is the number of script round trips).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { silentLogger } from '../src/log/logger.ts';
import { createCatalogue } from '../src/queue/job-definition.ts';
import { noopJob } from './support/noop-job.ts';
import { addJob, createQueue } from '../src/queue/job-queue.ts';
import { createJobWorker } from '../src/queue/job-worker.ts';
import { createKratosOutagePause } from '../src/queue/kratos-outage-pause.ts';
import { closeRedis, createRedis, redisReady } from '../src/queue/redis-connection.ts';
import { startRedisServer } from '../test/support/redis-server.ts';

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '16' } },
});
const jobs = Number(values.jobs);
const concurrency = Number(values.concurrency);

const catalogue = createCatalogue([noopJob]);

async function commandStats(admin: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const line of (await admin.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) stats.set(match[1]!, Number(match[2]));
  }
  return stats;
}

function perJob(before: Map<string, number>, after: Map<string, number>) {
  const delta = new Map<string, number>();
  for (const [command, calls] of after) delta.set(command, calls - (before.get(command) ?? 0));
  // The bench's own INFO calls are not the queue's.
  delta.delete('info');
  const total = [...delta.values()].reduce((a, b) => a + b, 0);
  const top = [...delta.entries()]
    .filter(([, calls]) => calls > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([command, calls]) => `${command} ${(calls / jobs).toFixed(2)}`)
    .join(', ');
  return { total: total / jobs, evalsha: (delta.get('evalsha') ?? 0) / jobs, top };
}

const server = await startRedisServer();
const logger = silentLogger();
const redisConfig = { url: server.url, prefix: '{bench-queue}' };
const admin = new Redis(server.url);
const producer = createRedis(redisConfig, { role: 'producer', logger });
await redisReady(producer);
const queue = createQueue({ connection: producer, prefix: redisConfig.prefix, logger });
try {
  await queue.waitUntilReady();
  let before = await commandStats(admin);
  let started = performance.now();
  for (let i = 0; i < jobs; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, jobs - i) }, (_, k) => addJob(queue, noopJob, { n: i + k })),
    );
  }
  const enqueueMs = performance.now() - started;
  const enqueue = perJob(before, await commandStats(admin));

  let done = 0;
  let resolveDone: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (resolveDone = resolve));
  const outagePause = createKratosOutagePause({
    ready: async () => true,
    hold: (ms) => queue.rateLimit(ms),
    release: async () => void (await queue.removeRateLimitKey()),
    logger,
  });
  before = await commandStats(admin);
  started = performance.now();
  const connection = createRedis(redisConfig, { role: 'worker', logger });
  const worker = createJobWorker({
    connection,
    prefix: redisConfig.prefix,
    catalogue,
    deps: null,
    logger,
    outagePause,
    rateLimit: (ms) => queue.rateLimit(ms),
    concurrency,
    lockDurationMs: 30_000,
    defaultTimeoutMs: 60_000,
    keepCompleted: { ageSeconds: 3_600, count: 1_000 },
    keepFailed: { ageSeconds: 3_600, count: 1_000 },
    observer: {
      jobFinished: () => {
        done += 1;
        if (done === jobs) resolveDone();
      },
    },
  });
  await allDone;
  const processMs = performance.now() - started;
  const processed = perJob(before, await commandStats(admin));
  await worker.close(5_000);
  outagePause.close();
  await closeRedis(connection);

  console.log(`queue runtime, no-op handler: ${jobs} jobs, worker concurrency ${concurrency}, one process`);
  console.log(
    `  enqueue:  ${Math.round(jobs / (enqueueMs / 1000))} jobs/s; Redis commands per job ${enqueue.total.toFixed(2)} ` +
      `(EVALSHA ${enqueue.evalsha.toFixed(2)}) — ${enqueue.top}`,
  );
  console.log(
    `  process:  ${Math.round(jobs / (processMs / 1000))} jobs/s; Redis commands per job ${processed.total.toFixed(2)} ` +
      `(EVALSHA ${processed.evalsha.toFixed(2)}) — ${processed.top}`,
  );
} finally {
  await queue.close();
  await closeRedis(producer);
  admin.disconnect();
  await server.stop();
}
