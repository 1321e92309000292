import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import { instrumentKratos } from '../metrics/instrument-kratos.ts';
import { createDeliveryStore } from '../store/delivery-store.ts';
import { createMetrics, type Metrics } from '../metrics/metrics.ts';
import { createSourceStatsStore } from '../metrics/source-stats.ts';
import { buildRunNotifier } from '../notify/build-run-notifier.ts';
import type { SyncContext, SyncHooks } from '../sync/context.ts';
import type { JobDeps } from '../../jobs/job-deps.ts';
import { createQueue } from './job-queue.ts';
import { createJobWorker, type JobWorker } from './job-worker.ts';
import { createKratosOutagePause } from './kratos-outage-pause.ts';
import { createPersonLocks } from './person-locks.ts';
import { closeRedis, createRedis, redisReady } from './redis-connection.ts';
import { startScheduler, type Scheduler } from './scheduler.ts';
import { oneAtATime } from './one-at-a-time.ts';
import type { WorkerRole } from './worker-roles.ts';

export { WORKER_ROLES, type WorkerRole } from './worker-roles.ts';

export interface StartWorkerProcessOptions {
  config: Config;
  baseDir: string;
  roles: ReadonlySet<WorkerRole>;
  logger: Logger;
  now?: () => Date;
  /** Engine hooks (onboarding enqueues its delivery job on `identityCreated`). */
  hooks?: SyncHooks;
  /** Use this client instead of building one from `config.kratos` (it is closed with the process). */
  kratos?: KratosClient;
  /** Identifies this replica in job records (`processedBy`) and Redis CLIENT LIST. */
  name?: string;
}

export interface WorkerProcess {
  readonly metrics: Metrics;
  /** The HTTP server when the `http` role runs (listening on `config.http`). */
  readonly http?: FastifyInstance;
  /** Stop taking work, let active jobs finish within `queue.shutdownTimeout`, close everything. */
  close(): Promise<void>;
}

/**
 * `kratos-sync worker`: any subset of the three roles in one process, sharing connections.
 * - worker: runs jobs (BullMQ worker on the shared queue);
 * - scheduler: enqueues each source's scheduled full sync (one job per tick across replicas);
 * - http: webhooks, /healthz, /readyz, /metrics and the queue dashboard.
 * Everything opened is closed in reverse order, also when start-up fails half-way.
 */
export async function startWorkerProcess(options: StartWorkerProcessOptions): Promise<WorkerProcess> {
  const { config, roles } = options;
  const now = options.now ?? (() => new Date());
  const prefix = config.redis.prefix;
  const name = options.name ?? `kratos-sync:${process.pid}`;
  const logger = options.logger.child({ replica: name });
  const releasers: Array<{ what: string; release: () => Promise<void> }> = [];
  const onRelease = (what: string, release: () => Promise<void>) => releasers.push({ what, release });
  const close = async () => {
    for (const { what, release } of releasers.splice(0).reverse()) {
      try {
        await release();
      } catch (err) {
        logger.warn({ err, what }, 'error while shutting down');
      }
    }
  };

  try {
    const state = createRedis(config.redis, { role: 'state', logger, name: `${name}:state` });
    onRelease('state connection', () => closeRedis(state));
    const producer = createRedis(config.redis, { role: 'producer', logger, name: `${name}:producer` });
    onRelease('producer connection', () => closeRedis(producer));
    await Promise.all([redisReady(state), redisReady(producer)]);
    const queue = createQueue({ connection: producer, prefix, logger });
    onRelease('queue', () => queue.close());
    const stats = createSourceStatsStore(state, prefix);
    const metrics = createMetrics({
      sources: Object.keys(config.sources),
      stats,
      jobCounts: () =>
        queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'waiting-children'),
      uncertainInvites: () => createDeliveryStore({ redis: state, prefix, now }).countUncertain(),
    });

    // One notifier for the process (the worker's runs and the console's decisions), counted in the metrics;
    // closed after the worker has stopped, so the last runs' notifications still go out.
    const notifier = buildRunNotifier(config, {
      redis: state as never,
      logger,
      now,
      onOutcome: (outcome) => metrics.notification(outcome),
    });
    if (notifier) onRelease('run notifier', () => notifier.close());

    // Each role loads its own modules (the engine, fastify, bull-board): a scheduler-only replica starts fast.
    let kratos: KratosClient | undefined;
    if (roles.has('worker') || roles.has('http')) {
      const { createKratosClient } = await import('../kratos/client.ts');
      const client = options.kratos ?? (await createKratosClient({ config: config.kratos, logger }));
      onRelease('kratos client', () => client.close());
      kratos = instrumentKratos(client, (event) => metrics.kratosRequest(event));
    }

    let worker: JobWorker | undefined;
    let engineCtx: SyncContext | undefined;
    if (roles.has('worker') && kratos) {
      const [{ buildContext }, { lifecycleHooks }, { jobCatalogue }, { createChunkStore }] =
        await Promise.all([
          import('../app/build-context.ts'),
          import('../lifecycle/lifecycle-host.ts'),
          import('../../jobs/catalogue.ts'),
          import('../../jobs/full-sync/chunk-store.ts'),
        ]);
      const readyKratos = kratos;
      const outagePause = createKratosOutagePause({
        ready: () => readyKratos.ready(),
        hold: (ms) => queue.rateLimit(ms),
        release: async () => {
          await queue.removeRateLimitKey();
        },
        logger,
        onChange: (available) => metrics.kratosAvailable(available),
      });
      onRelease('kratos outage pause', async () => outagePause.close());
      // The client noticed an outage first (several requests in a row went unanswered): hold the queue now
      // rather than when the next job gives up.
      const onUnavailable = () => void outagePause.confirmDown().catch(() => undefined);
      kratos.events.on('unavailable', onUnavailable);
      onRelease('kratos events', async () => void kratos?.events.off('unavailable', onUnavailable));
      // Onboarding listens to creates and reactivations; its hooks reach the job deps built just below.
      let jobDeps: JobDeps | undefined;
      const built = await buildContext({
        config,
        baseDir: options.baseDir,
        logger,
        now,
        // SyncContext types its connection as a plain Redis; a Cluster serves the same commands.
        redis: state as never,
        kratos,
        hooks: options.hooks ?? lifecycleHooks(() => jobDeps!),
        ...(notifier ? { runObserver: notifier } : {}),
      });
      onRelease('engine context', () => built.release());
      engineCtx = built.ctx;
      const deps: JobDeps = (jobDeps = {
        ctx: built.ctx,
        queue,
        locks: createPersonLocks({ redis: state, prefix, logger, ttlMs: config.queue.lockDuration }),
        chunks: createChunkStore({ redis: state, prefix, ttlMs: 24 * 3_600_000 }),
        stats,
        chunkSize: config.queue.applyChunkSize,
        runLockTtlMs: Math.max(config.queue.jobTimeout, 10 * 60_000),
        applyOneAtATime: oneAtATime(),
      });
      const connection = createRedis(config.redis, { role: 'worker', logger, name: `${name}:worker` });
      onRelease('worker connection', () => closeRedis(connection));
      worker = createJobWorker({
        connection,
        prefix,
        catalogue: jobCatalogue,
        deps,
        logger,
        outagePause,
        rateLimit: (ms) => queue.rateLimit(ms),
        concurrency: config.queue.concurrency,
        lockDurationMs: config.queue.lockDuration,
        defaultTimeoutMs: config.queue.jobTimeout,
        keepCompleted: config.queue.keepCompleted,
        keepFailed: config.queue.keepFailed,
        observer: metrics,
        name,
      });
      const running = worker;
      onRelease('worker', async () => {
        const { finishedInTime } = await running.close(config.queue.shutdownTimeout);
        logger.info({ finishedInTime }, 'worker stopped');
      });
    }

    let scheduler: Scheduler | undefined;
    if (roles.has('scheduler')) {
      const schedules = Object.entries(config.sources).flatMap(([source, s]) =>
        s.schedule ? [{ source, cron: s.schedule }] : [],
      );
      const { enqueueFullSync } = await import('../../jobs/enqueue.ts');
      scheduler = await startScheduler({
        schedules,
        enqueueRun: (source, tick) =>
          enqueueFullSync(queue, { source, trigger: 'schedule', tick, now: now() }),
        redis: state,
        prefix,
        logger,
        now,
      });
      const running = scheduler;
      onRelease('scheduler', () => running.stop());
    }

    let http: FastifyInstance | undefined;
    if (roles.has('http') && kratos) {
      const [{ buildHttpApp }, { enqueuePersonSync }, { buildContext }] = await Promise.all([
        import('../http/build-http-app.ts'),
        import('../../jobs/enqueue.ts'),
        import('../app/build-context.ts'),
      ]);
      const readyKratos = kratos;
      // The operations console (runs, approve/reject) reads and decides through the engine context; an
      // http-only replica builds one when the console can be mounted (http.auth set), or when it serves SCIM
      // (its writes run through the engine while the directory waits, onboarding hooks included).
      const servesScim = Object.values(config.sources).some((s) => s.connection.type === 'scim-inbound');
      if (!engineCtx && (config.http.auth || servesScim)) {
        const { lifecycleHooks } = await import('../lifecycle/lifecycle-host.ts');
        const locks = createPersonLocks({ redis: state, prefix, logger, ttlMs: config.queue.lockDuration });
        const host: { current?: { ctx: SyncContext; queue: typeof queue; locks: typeof locks } } = {};
        const built = await buildContext({
          config,
          baseDir: options.baseDir,
          logger,
          now,
          redis: state as never,
          kratos,
          hooks: options.hooks ?? lifecycleHooks(() => host.current!),
          ...(notifier ? { runObserver: notifier } : {}),
        });
        onRelease('console engine context', () => built.release());
        engineCtx = built.ctx;
        host.current = { ctx: built.ctx, queue, locks };
      }
      http = await buildHttpApp({
        config,
        logger,
        redis: producer,
        queue,
        enqueuePerson: (request) => enqueuePersonSync(queue, request),
        kratosReady: () => readyKratos.ready(),
        metrics,
        now,
        ...(engineCtx ? { ctx: engineCtx } : {}),
      });
      const server = http;
      // Closed first on shutdown: stop accepting webhooks before the queue side goes away.
      onRelease('http server', () => server.close());
      await http.listen({ host: config.http.host, port: config.http.port });
    }

    logger.info({ roles: [...roles] }, 'kratos-sync worker started');
    return { metrics, ...(http ? { http } : {}), close };
  } catch (err) {
    await close();
    throw err;
  }
}
