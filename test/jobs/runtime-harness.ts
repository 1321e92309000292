import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Logger } from '../../src/log/logger.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createQueue } from '../../src/queue/job-queue.ts';
import { closeRedis, createRedis, redisReady, type RedisClient } from '../../src/queue/redis-connection.ts';
import type { WorkerRole } from '../../src/queue/worker-roles.ts';
import { startWorkerProcess, type WorkerProcess } from '../../src/app/worker-process.ts';
import { enqueueFullSync } from '../../jobs/enqueue.ts';
import { startKratosSim } from '../kratos-sim/index.ts';
import { uniquePrefix, waitFor } from '../queue/helpers.ts';
import { csvOf, sourceSection, type Person } from '../sync/engine-harness.ts';

export interface RuntimeHarnessOptions {
  people: readonly Person[];
  extraLines?: string[];
  api?: 'v26' | 'v0.10';
  /** Extra top-level config sections, merged over the defaults. */
  config?: Record<string, unknown>;
  source?: Record<string, unknown>;
  /** Merged over the kratos section (whose adminUrl is the simulator's). */
  kratos?: Record<string, unknown>;
  redis?: { url?: string; clusterNodes?: string[] };
  logger?: Logger;
}

/**
 * A real kratos-sync queue runtime in this process: the Kratos simulator, a CSV source in a temp folder,
 * real Redis and as many `startWorkerProcess` replicas as a test starts (each with its own connections,
 * engine context and BullMQ worker, as separate processes would have).
 */
export async function startRuntimeHarness(options: RuntimeHarnessOptions) {
  const sim = await startKratosSim({ api: options.api ?? 'v26' });
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-runtime-'));
  const prefix = uniquePrefix();
  const writePeople = (list: readonly Person[], extraLines: string[] = []) =>
    writeFileSync(path.join(dir, 'people.csv'), csvOf(list, extraLines));
  writePeople(options.people, options.extraLines);
  const configObject = {
    kratos: {
      adminUrl: sim.adminUrl,
      timeoutMs: 2_000,
      retry: { retries: 1, minDelayMs: 5, maxDelayMs: 20 },
      ...options.kratos,
    },
    redis: {
      url: options.redis?.url ?? inject('redisUrl'),
      prefix,
      ...(options.redis?.clusterNodes ? { clusterNodes: options.redis.clusterNodes } : {}),
    },
    sources: { hr: sourceSection(options.source) },
    queue: { concurrency: 4, lockDuration: '5s', shutdownTimeout: '5s', applyChunkSize: 100 },
    http: { port: 0, host: '127.0.0.1' },
    log: { level: 'silent' },
    ...options.config,
  };
  const config: Config = loadConfig({ env: {}, object: configObject }).config;
  const logger = options.logger ?? silentLogger();
  const producer: RedisClient = createRedis(config.redis, { role: 'producer', logger });
  await redisReady(producer);
  const queue: Queue = createQueue({ connection: producer, prefix, logger });
  const replicas: WorkerProcess[] = [];
  // For assertions and clean-up: a plain client, or a cluster client when the test runs on a cluster.
  const redis = (
    config.redis.clusterNodes
      ? createRedis(config.redis, { role: 'state', logger })
      : new Redis(inject('redisUrl'))
  ) as Redis;

  return {
    sim,
    dir,
    prefix,
    config,
    configObject,
    queue,
    redis,
    writePeople,
    async startReplica(roles: WorkerRole[] = ['worker'], name?: string): Promise<WorkerProcess> {
      const replica = await startWorkerProcess({
        config,
        baseDir: dir,
        roles: new Set(roles),
        logger,
        name: name ?? `replica-${replicas.length + 1}`,
      });
      replicas.push(replica);
      return replica;
    },
    async enqueueFullSync(): Promise<string> {
      return await enqueueFullSync(queue, { source: 'hr', trigger: 'api', now: new Date() });
    },
    async waitForJob(id: string, timeoutMs = 60_000) {
      return await waitFor(
        `job ${id} to finish`,
        async () => {
          const state = await queue.getJobState(id);
          if (state !== 'completed' && state !== 'failed') return false;
          const job = await queue.getJob(id);
          return job ? { job, state } : false;
        },
        timeoutMs,
      );
    },
    /** Identities in the simulator by external id (v26) — more than one for a key would be a duplicate. */
    identitiesByExternalId(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const identity of sim.state.identities.values()) {
        const key = identity.external_id ?? '(none)';
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    },
    async close() {
      for (const replica of replicas.splice(0)) await replica.close();
      await queue.close();
      await closeRedis(producer);
      // On a cluster the servers go away with the test; on the shared Redis the test's keys are removed.
      if (!config.redis.clusterNodes) {
        const keys = await redis.keys(`${prefix}*`);
        for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      }
      redis.disconnect();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type RuntimeHarness = Awaited<ReturnType<typeof startRuntimeHarness>>;
