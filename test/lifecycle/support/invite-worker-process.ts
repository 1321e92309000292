/**
 * A worker process for the crash test: runs onboard.* jobs with the real runtime (BullMQ worker, processor,
 * lifecycle built from a config). With CRASH_AFTER_ISSUE=1 it SIGKILLs itself right after Kratos issued the
 * link and before the link reaches the mail server — the worst moment for exactly-once delivery.
 * This test seam is ours (OnboardingDeps.afterIssue); the simulator knows nothing about it.
 */
import { Queue } from 'bullmq';
import { onboardCheckJob } from '../../../jobs/onboard-check.ts';
import { onboardDeliverJob } from '../../../jobs/onboard-deliver.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { createKratosClient } from '../../../src/kratos/index.ts';
import { buildLifecycle } from '../../../src/app/build-lifecycle.ts';
import { onboardingQueueOf } from '../../../src/lifecycle/lifecycle-host.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { createCatalogue } from '../../../src/queue/job-definition.ts';
import { createJobWorker } from '../../../src/queue/job-worker.ts';
import { createKratosOutagePause } from '../../../src/queue/kratos-outage-pause.ts';
import { createPersonLocks } from '../../../src/queue/person-locks.ts';
import { createRedis } from '../../../src/queue/redis-connection.ts';
import type { SourceRuntime } from '../../../src/sync/context.ts';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const config = configSchema.parse({
  kratos: { adminUrl: env('SIM_URL'), retry: { minDelayMs: 10, maxDelayMs: 100 } },
  redis: { url: env('REDIS_URL'), prefix: env('PREFIX') },
  sources: {
    hr: {
      connection: { type: 'csv', path: 'people.csv' },
      mapping: { key: 'id', traits: '{}' },
      onboarding: { enabled: true, channel: 'smtp' },
    },
  },
  delivery: { smtp: { host: '127.0.0.1', port: Number(env('SMTP_PORT')), from: 'IT <it@example.com>' } },
});
const logger = createLogger({ level: 'debug' });
const kratos = await createKratosClient({ config: config.kratos, logger });
const redis = createRedis(config.redis, { role: 'state', logger });
const queue = new Queue('jobs', {
  connection: createRedis(config.redis, { role: 'state', logger }),
  prefix: config.redis.prefix,
});
const locks = createPersonLocks({ redis, prefix: config.redis.prefix, logger, ttlMs: 30_000 });
const hr = {
  name: 'hr',
  config: config.sources.hr!,
  source: { fetchOne: async () => null },
} as unknown as SourceRuntime;
const ctx = {
  config,
  baseDir: process.cwd(),
  kratos,
  redis: redis as never,
  logger,
  now: () => new Date(),
  sources: new Map([['hr', hr]]),
};
const lifecycle = buildLifecycle(ctx, {
  queue: onboardingQueueOf(queue),
  locks,
  afterIssue: () => {
    if (process.env.CRASH_AFTER_ISSUE === '1') process.kill(process.pid, 'SIGKILL');
  },
});
createJobWorker({
  connection: createRedis(config.redis, { role: 'worker', logger }),
  prefix: config.redis.prefix,
  catalogue: createCatalogue([onboardDeliverJob, onboardCheckJob]),
  deps: { ctx, queue, locks, lifecycle },
  logger,
  outagePause: createKratosOutagePause({
    ready: () => kratos.ready(),
    hold: (ms) => queue.rateLimit(ms),
    release: async () => {},
    logger,
  }),
  rateLimit: (ms) => queue.rateLimit(ms),
  concurrency: 2,
  // Short, so the job a killed worker held comes back within a second or two.
  lockDurationMs: 1_000,
  defaultTimeoutMs: 30_000,
  keepCompleted: { ageSeconds: 3600, count: 100 },
  keepFailed: { ageSeconds: 3600, count: 100 },
});
logger.info('invite worker ready');
