import type { Redis } from 'ioredis';
import { scimKeys } from '../../scim/scim-keys.ts';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After when refused). */
  retryAfterSeconds: number;
}

// A fixed window per client, shared by every replica: INCR, start the window's clock on the first request.
const COUNT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { n, ttl }`;

/** Counts one request of a client against its `rateLimit` (requests per window). */
export async function takeRequest(
  redis: Redis,
  prefix: string,
  source: string,
  client: { name: string; rateLimit: { requests: number; windowSeconds: number } },
): Promise<RateDecision> {
  const [count, ttl] = (await redis.eval(
    COUNT,
    1,
    scimKeys(prefix, source).rate(client.name),
    client.rateLimit.windowSeconds * 1000,
  )) as [number, number];
  return {
    allowed: count <= client.rateLimit.requests,
    retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)),
  };
}
