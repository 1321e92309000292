import type { Redis } from 'ioredis';
import { engineKeys } from '../store/keys.ts';

/**
 * The rolling guard of single-person removals. A full run's guard sees every removal of the run at once; a
 * burst of HR events (or a compromised webhook sender) removes people one job at a time, each of which
 * looks harmless alone. So every removal decided by a single-person job — a webhook's `person.sync`, or any
 * other path that removes one person — asks here first: at most `maxEventRemovals` people per source in any
 * `eventWindow`; the rest are held for approval like a mass removal.
 *
 * One Lua script on a sorted set (member = person key, score = time), so the check and the count are one
 * atomic step for every worker process sharing the Redis. A person already counted in the window is
 * admitted again without counting twice (a retried job is the same removal).
 */
export interface EventRemovalRequest {
  prefix: string;
  source: string;
  /** The person's key in the source. */
  key: string;
  now: Date;
  /** `guard.maxEventRemovals`: 0 holds every single-person removal. */
  maxEventRemovals: number;
  /** `guard.eventWindow`, in milliseconds. */
  eventWindow: number;
}

export interface EventRemovalVerdict {
  admitted: boolean;
  /** Removals counted in the window, this one included when admitted. */
  recent: number;
  limit: number;
  windowMs: number;
}

const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return {1, redis.call('ZCARD', KEYS[1])} end
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then return {0, count} end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return {1, count + 1}`;

/** May this one person be removed now? Counts the removal when it is admitted. */
export async function admitEventRemoval(
  redis: Redis,
  request: EventRemovalRequest,
): Promise<EventRemovalVerdict> {
  const key = engineKeys(request.prefix).eventRemovals(request.source);
  const [admitted, recent] = (await redis.eval(
    ADMIT_SCRIPT,
    1,
    key,
    request.now.getTime(),
    request.eventWindow,
    request.maxEventRemovals,
    request.key,
  )) as [number, number];
  return {
    admitted: admitted === 1,
    recent,
    limit: request.maxEventRemovals,
    windowMs: request.eventWindow,
  };
}
