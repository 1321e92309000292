import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { people } from '../sync/engine-harness.ts';
import { startLocalCluster, type LocalCluster } from '../queue/redis-cluster.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startLocalCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

// The run is allowed the 120 s waited for below, more than the everyday 60 s per test.
describe('on a three-node Redis Cluster', { timeout: 180_000 }, () => {
  it('runs a full sync split over two replicas, with every key of kratos-sync in one slot', async () => {
    const h: RuntimeHarness = await startRuntimeHarness({
      people: people(250),
      redis: { url: cluster.url, clusterNodes: cluster.nodes },
    });
    try {
      await h.startReplica(['worker'], 'c1');
      await h.startReplica(['worker'], 'c2');
      const { job, state } = await h.waitForJob(await h.enqueueFullSync(), 120_000);
      expect(state).toBe('completed');
      const result = job.returnvalue as SyncFullResult;
      expect(result.counts.create).toEqual({ planned: 250, applied: 250, failed: 0, skipped: 0 });
      expect(result.chunks).toBe(3);
      const byExternalId = h.identitiesByExternalId();
      expect(byExternalId.size).toBe(250);
      expect([...byExternalId.values()].every((n) => n === 1)).toBe(true);
      // The hash-tagged prefix put queue and engine state on one node, in one slot.
      const client = new Cluster(
        cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
      );
      try {
        const slot = Number(await client.cluster('KEYSLOT', h.prefix));
        const masters = client.nodes('master');
        let keys = 0;
        let keysElsewhere = 0;
        for (const node of masters) {
          for (const key of await node.keys(`${h.prefix}*`)) {
            keys++;
            if (Number(await client.cluster('KEYSLOT', key)) !== slot) keysElsewhere++;
          }
        }
        expect(keys).toBeGreaterThan(10);
        expect(keysElsewhere).toBe(0);
      } finally {
        client.disconnect();
      }
    } finally {
      await h.close();
    }
  });
});
