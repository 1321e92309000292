import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.ts';
import { csvOf, people, type Person } from '../sync/engine-harness.ts';
import { identitiesByKey } from './support/converge.ts';
import {
  ClusterControl,
  waitFor,
  WorkerCluster,
  writeClusterConfig,
  type ClusterConfig,
} from './support/worker-cluster.ts';

/**
 * Redis — started as production should run it, `--appendonly yes --appendfsync always` — is SIGKILLed in the
 * middle of work and restarted on the same port and data folder. The workers reconnect, the run completes,
 * and no job is lost: every person ends exactly as the source says.
 */
const REDIS_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always'];

describe('Redis killed with SIGKILL and restarted mid-run', () => {
  let sim: KratosSim;
  let redisServer: RedisServerHandle;
  let redisDir: string;
  let redis: Redis;
  let config: ClusterConfig;
  let cluster: WorkerCluster;
  let control: ClusterControl;

  const restartRedis = async (downMs: number) => {
    const port = redisServer.port;
    await redisServer.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, downMs));
    redisServer = await startRedisServer({ port, dir: redisDir, args: REDIS_ARGS });
  };

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26', latencyMs: 3 });
    redisDir = mkdtempSync(path.join(tmpdir(), 'ks-redis-aof-'));
    redisServer = await startRedisServer({ dir: redisDir, args: REDIS_ARGS });
    // The test's own connection retries through the outage like the workers' do.
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    redis.on('error', () => {}); // refused connections while Redis is down are the point of the test
    config = writeClusterConfig({
      adminUrl: sim.url,
      redisUrl: redisServer.url,
      prefix: `{ks-redis-${randomBytes(4).toString('hex')}}`,
      queue: { applyChunkSize: 50, concurrency: 4 },
    });
    cluster = new WorkerCluster(config);
    control = new ClusterControl(redis, config.prefix);
    cluster.start(2);
  });
  afterAll(async () => {
    await cluster?.stopAll();
    await control?.close();
    redis?.disconnect();
    await redisServer?.stop('SIGKILL');
    await sim?.stop();
    rmSync(redisDir, { recursive: true, force: true });
    rmSync(config.dir, { recursive: true, force: true });
  });

  it('completes a full sync that Redis died in the middle of', async () => {
    const list = people(3_000);
    writeFileSync(config.csvPath, csvOf(list));
    await control.enqueueFullSync();
    // Kill once the apply chunks are well under way.
    await waitFor('the first identities', async () => sim.state.identities.size >= 300, 60_000);
    const createdAtKill = sim.state.identities.size;
    await restartRedis(1_000);
    expect(createdAtKill).toBeLessThan(list.length);

    await waitFor(
      'the run to complete',
      async () => (await control.pending()) === 0 && (await control.runs())[0]?.status === 'completed',
      180_000,
    );
    expect(await control.failedJobs()).toEqual([]);
    expectExactly(sim, list);
  });

  it('loses none of 300 queued person jobs', async () => {
    const changed = people(3_000).map((p, i) =>
      i % 10 === 0 ? { ...p, department: 'After the crash', updated: '2026-03-01T00:00:00Z' } : p,
    );
    writeFileSync(config.csvPath, csvOf(changed));
    const keys = changed.filter((_, i) => i % 10 === 0).map((p) => p.id);
    for (const key of keys)
      await enqueuePersonSync(control.queue, { source: 'hr', key, receivedAt: new Date().toISOString() });
    await waitFor(
      'some person jobs to finish',
      async () =>
        [...sim.state.identities.values()].filter(
          (i) => (i.traits as { department?: string }).department === 'After the crash',
        ).length >= 20,
      60_000,
    );
    await restartRedis(1_500);

    await waitFor('every person job', async () => (await control.pending()) === 0, 180_000);
    expect(await control.failedJobs()).toEqual([]);
    const completed = await control.queue.getJobCountByTypes('completed');
    expect(completed).toBeGreaterThanOrEqual(keys.length);
    expectExactly(sim, changed);
  });
});

function expectExactly(sim: KratosSim, list: readonly Person[]): void {
  const byKey = identitiesByKey(sim);
  expect([...byKey].filter(([, copies]) => copies.length > 1).map(([key]) => key)).toEqual([]);
  expect(sim.state.identities.size).toBe(list.length);
  const wrong = list.filter((p) => {
    const found = byKey.get(p.id)?.[0];
    const traits = { email: p.email, name: { first: p.first, last: p.last }, department: p.department };
    return !found || found.state !== 'active' || JSON.stringify(found.traits) !== JSON.stringify(traits);
  });
  expect(wrong.map((p) => p.id)).toEqual([]);
}
