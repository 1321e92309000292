import { z } from 'zod';

export const redisSection = z.strictObject({
  /** Redis URL (env REDIS_URL). For a cluster, list the seed nodes in `clusterNodes`. */
  url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
  /**
   * Key prefix for queues and state. The braces are a Redis Cluster hash tag: every key of kratos-sync lands
   * in one slot, which BullMQ's multi-key scripts need on a cluster.
   */
  prefix: z
    .string()
    .regex(/^\{[^{}]+\}$/, 'expected a hash-tagged prefix such as {kratos-sync}')
    .default('{kratos-sync}'),
  /** Seed nodes of a Redis Cluster ("host:port"); when set, `url` supplies only credentials/TLS. */
  clusterNodes: z.array(z.string().regex(/^[^:]+:\d+$/, 'expected host:port')).optional(),
});
export type RedisConfig = z.output<typeof redisSection>;
