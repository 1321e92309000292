import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.ts';

const run = promisify(execFile);

export interface LocalCluster {
  nodes: string[];
  url: string;
  stop(): Promise<void>;
}

/**
 * A real three-node Redis Cluster on free ports (`redis-server --cluster-enabled yes` ×3, joined with
 * `redis-cli --cluster create`), for tests that must run against a cluster as well as a single Redis.
 */
export async function startLocalCluster(): Promise<LocalCluster> {
  const servers: RedisServerHandle[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      servers.push(
        await startRedisServer({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      );
    }
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const infos = await Promise.all(
        servers.map(async (s) => (await run('redis-cli', ['-p', String(s.port), 'cluster', 'info'])).stdout),
      );
      if (infos.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline)
        throw new Error(`the local Redis Cluster did not become ready:\n${infos.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      nodes,
      url: `redis://${nodes[0]}`,
      async stop() {
        for (const server of servers) await server.stop();
      },
    };
  } catch (err) {
    for (const server of servers) await server.stop();
    throw err;
  }
}
