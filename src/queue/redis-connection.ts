import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/sections/redis.ts';
import type { Logger } from '../log/logger.ts';

/** Either kind of ioredis client: everything kratos-sync does with Redis works on both. */
export type RedisClient = Redis | Cluster;

/**
 * What a connection is for (each role gets its own client, tuned for it):
 * - `worker`: BullMQ workers block on Redis and must wait out a Redis restart instead of failing every
 *   command, so requests are retried for ever (`maxRetriesPerRequest: null`, BullMQ requires it).
 * - `producer`: adds jobs (HTTP webhooks, the CLI). It fails fast (no offline queue, one retry), so a
 *   webhook answers 503 at once instead of hanging while Redis is away.
 * - `state`: the engine's and the runtime's own keys (locks, runs, replay ids). A few retries ride out a
 *   failover; after that the job fails with a transient error and is retried by the queue.
 */
export type RedisRole = 'worker' | 'producer' | 'state';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  worker: { maxRetriesPerRequest: null },
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 },
  state: { maxRetriesPerRequest: 3, connectTimeout: 10_000 },
};

export interface CreateRedisOptions {
  role: RedisRole;
  logger: Logger;
  /** Shown in `CLIENT LIST` (helps an operator see which replica holds which connection). */
  name?: string;
}

/**
 * A Redis or Redis Cluster client for one role, with an error listener attached at once so a dropped idle
 * socket cannot crash the process. Credentials and TLS come from `redis.url` in both cases.
 */
export function createRedis(config: RedisConfig, options: CreateRedisOptions): RedisClient {
  const roleOptions: RedisOptions = {
    ...ROLE_OPTIONS[options.role],
    ...(options.name ? { connectionName: options.name } : {}),
  };
  const client = config.clusterNodes?.length
    ? new Cluster(config.clusterNodes.map(parseNode), clusterOptions(config.url, roleOptions))
    : new Redis(config.url, roleOptions);
  attachRedisErrorListener(client, options.logger, options.role);
  return client;
}

/** Log connection errors at warn: ioredis reconnects by itself; the log says why a job was slow. */
function attachRedisErrorListener(client: RedisClient, logger: Logger, role: string): void {
  let last = 0;
  client.on('error', (err: Error) => {
    // ioredis repeats the same error on every reconnect attempt; one line a second is enough.
    const now = Date.now();
    if (now - last < 1_000) return;
    last = now;
    logger.warn(
      { err: { message: err.message, code: (err as { code?: string }).code }, role },
      'redis error',
    );
  });
}

function parseNode(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

function clusterOptions(url: string, roleOptions: RedisOptions): ClusterOptions {
  const parsed = new URL(url);
  const redisOptions: RedisOptions = {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(roleOptions.connectionName ? { connectionName: roleOptions.connectionName } : {}),
    connectTimeout: roleOptions.connectTimeout,
    // Per node connection: null lets BullMQ's blocking commands wait out a failover.
    maxRetriesPerRequest: roleOptions.maxRetriesPerRequest,
  };
  return { redisOptions, enableOfflineQueue: roleOptions.enableOfflineQueue ?? true };
}

/** Close a client politely (QUIT), falling back to a hard disconnect when Redis is not reachable. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  } catch {
    // Already closing or never connected: disconnect below is enough.
  }
  client.disconnect();
}

/**
 * Resolve once the client is connected (a `producer` client has no offline queue, so a command sent
 * before that fails at once). Rejects after `timeoutMs` with a message naming what is unreachable.
 */
export async function redisReady(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis is not reachable (no connection within ${timeoutMs} ms)`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}
