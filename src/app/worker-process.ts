import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import { instrumentKratos } from '../metrics/instrument-kratos.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { createSourceStatsStore } from '../metrics/source-stats.ts';
import { buildRunNotifier } from '../notify/build-run-notifier.ts';
import { createQueue } from '../queue/job-queue.ts';
import { closeRedis, createRedis, redisReady } from '../queue/redis-connection.ts';
import type { WorkerRole } from '../queue/worker-roles.ts';
import type { SyncHooks } from '../sync/context.ts';
import type { ProcessEngine } from './process-engine.ts';
import { createProcessMetrics } from './process-metrics.ts';
import type { ProcessParts } from './process-parts.ts';
import { createReleaseStack, releaseFailures } from './release-stack.ts';

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
 * `kratos-sync worker`: any subset of the three roles in one process, sharing connections and one engine.
 * - worker: runs jobs (BullMQ worker on the shared queue, job-worker-role.ts);
 * - scheduler: enqueues each source's scheduled full sync (one job per tick across replicas);
 * - http: webhooks, /healthz, /readyz, /metrics and the queue dashboard (and the console, SCIM).
 * Everything opened is closed in reverse order, also when start-up fails half-way.
 */
export async function startWorkerProcess(options: StartWorkerProcessOptions): Promise<WorkerProcess> {
  const { config, roles } = options;
  const name = options.name ?? `kratos-sync:${process.pid}`;
  const logger = options.logger.child({ replica: name });
  const releases = createReleaseStack();
  const close = () =>
    releases.release().catch((err: unknown) => {
      for (const failure of releaseFailures(err)) {
        logger.warn({ err: failure.cause, what: failure.what }, 'error while shutting down');
      }
    });

  try {
    const parts = await openSharedParts(options, { name, logger, releases });
    // Each role loads its own modules (the engine, fastify, bull-board): a scheduler-only replica starts fast.
    let kratos: KratosClient | undefined;
    if (roles.has('worker') || roles.has('http')) {
      const { createKratosClient } = await import('../kratos/client.ts');
      const client = options.kratos ?? (await createKratosClient({ config: config.kratos, logger }));
      releases.defer('kratos client', () => client.close());
      kratos = instrumentKratos(client, (event) => parts.metrics.kratosRequest(event));
    }
    // The operations console (runs, approve/reject) reads and decides through the engine context; an
    // http-only replica needs one when the console can be mounted (http.auth set), or when it serves SCIM
    // (its writes run through the engine while the directory waits, onboarding hooks included).
    const servesScim = Object.values(config.sources).some((s) => s.connection.type === 'scim-inbound');
    let engine: ProcessEngine | undefined;
    if (kratos && (roles.has('worker') || config.http.auth || servesScim)) {
      const { openProcessEngine } = await import('./process-engine.ts');
      engine = await openProcessEngine(parts, kratos, options.hooks);
    }
    if (roles.has('worker') && kratos && engine) {
      const { startJobWorkerRole } = await import('./job-worker-role.ts');
      startJobWorkerRole(parts, kratos, engine);
    }
    if (roles.has('scheduler')) {
      const { startSchedulerRole } = await import('./scheduler-role.ts');
      await startSchedulerRole(parts);
    }
    let http: FastifyInstance | undefined;
    if (roles.has('http') && kratos) {
      const { startHttpRole } = await import('./http-role.ts');
      http = await startHttpRole(parts, kratos, engine);
    }
    logger.info({ roles: [...roles] }, 'kratos-sync worker started');
    return { metrics: parts.metrics, ...(http ? { http } : {}), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The connections, queue, metrics and run notifier every role shares; each is registered on `releases`. */
async function openSharedParts(
  options: StartWorkerProcessOptions,
  shared: Pick<ProcessParts, 'name' | 'logger' | 'releases'>,
): Promise<ProcessParts> {
  const { config } = options;
  const { name, logger, releases } = shared;
  const now = options.now ?? (() => new Date());
  const state = createRedis(config.redis, { role: 'state', logger, name: `${name}:state` });
  releases.defer('state connection', () => closeRedis(state));
  const producer = createRedis(config.redis, { role: 'producer', logger, name: `${name}:producer` });
  releases.defer('producer connection', () => closeRedis(producer));
  await Promise.all([redisReady(state), redisReady(producer)]);
  const queue = createQueue({ connection: producer, prefix: config.redis.prefix, logger });
  releases.defer('queue', () => queue.close());
  const stats = createSourceStatsStore(state, config.redis.prefix);
  const metrics = createProcessMetrics({ config, state, queue, stats, now });
  // One notifier for the process (the worker's runs and the console's decisions), counted in the metrics;
  // closed after the worker has stopped, so the last runs' notifications still go out.
  const notifier = buildRunNotifier(config, {
    redis: state as never,
    logger,
    now,
    onOutcome: (outcome) => metrics.notification(outcome),
  });
  if (notifier) releases.defer('run notifier', () => notifier.close());
  return {
    ...shared,
    config,
    baseDir: options.baseDir,
    now,
    state,
    producer,
    queue,
    stats,
    metrics,
    ...(notifier ? { notifier } : {}),
  };
}
