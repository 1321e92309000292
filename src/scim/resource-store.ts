import type { Redis } from 'ioredis';
import type { JsonRecord } from './canonical.ts';
import { scimKeys } from './scim-keys.ts';

export type ResourceType = 'users' | 'groups';

/** A stored resource with the exact JSON it was read as: the compare-and-set token of its next write. */
export interface StoredResource {
  json: string;
  resource: JsonRecord;
}

export interface ResourceWrite {
  id: string;
  /** The JSON the write replaces (null: the id must be new). */
  previous: string | null;
  /** The new resource (null: delete). */
  next: JsonRecord | null;
  /** Lower-cased unique names (userName / displayName) before and after. */
  previousName?: string;
  nextName?: string;
  /** Groups only: user ids that join and leave the group with this write. */
  joined?: readonly string[];
  left?: readonly string[];
}

/** `ok`, or why nothing was written: the resource changed meanwhile, or the unique name is taken. */
export type WriteResult = 'ok' | 'conflict' | 'taken';

// One script per write, so the resource, its unique-name index and the members' group sets change together
// or not at all, and a concurrent writer is detected by comparing the whole stored JSON.
const WRITE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if current then return 'conflict' end
elseif current ~= ARGV[2] then
  return 'conflict'
end
if ARGV[4] ~= '' then
  local holder = redis.call('HGET', KEYS[2], ARGV[4])
  if holder and holder ~= ARGV[1] then return 'taken' end
end
if ARGV[5] ~= '' and ARGV[5] ~= ARGV[4] and redis.call('HGET', KEYS[2], ARGV[5]) == ARGV[1] then
  redis.call('HDEL', KEYS[2], ARGV[5])
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[4], ARGV[1]) end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
local joined = tonumber(ARGV[6])
for i = 3, #KEYS do
  if i - 2 <= joined then redis.call('SADD', KEYS[i], ARGV[1]) else redis.call('SREM', KEYS[i], ARGV[1]) end
end
return 'ok'`;

export interface ResourceStore {
  get(id: string): Promise<StoredResource | null>;
  /** Every resource of the type (lists filter and page in memory). */
  all(): Promise<JsonRecord[]>;
  count(): Promise<number>;
  idByName(lowerName: string): Promise<string | null>;
  write(change: ResourceWrite): Promise<WriteResult>;
}

/** The resources of one type of one scim-inbound source, in Redis. */
export function createResourceStore(
  redis: Redis,
  prefix: string,
  source: string,
  type: ResourceType,
): ResourceStore {
  const keys = scimKeys(prefix, source);
  const hash = keys.resources(type);
  const names = keys.names(type);
  return {
    async get(id) {
      const json = await redis.hget(hash, id);
      return json === null ? null : { json, resource: JSON.parse(json) as JsonRecord };
    },
    async all() {
      return (await redis.hvals(hash)).map((json) => JSON.parse(json) as JsonRecord);
    },
    count: () => redis.hlen(hash),
    idByName: (lowerName) => redis.hget(names, lowerName),
    async write(change) {
      const joined = change.joined ?? [];
      const left = change.left ?? [];
      const memberKeys = [...joined, ...left].map((userId) => keys.memberOf(userId));
      const result = await redis.eval(
        WRITE,
        2 + memberKeys.length,
        hash,
        names,
        ...memberKeys,
        change.id,
        change.previous ?? '',
        change.next === null ? '' : JSON.stringify(change.next),
        change.nextName ?? '',
        change.previousName ?? '',
        joined.length,
      );
      return result as WriteResult;
    },
  };
}

/** The ids of the groups a user is a member of. */
export async function groupIdsOf(redis: Redis, prefix: string, source: string, userId: string) {
  return redis.smembers(scimKeys(prefix, source).memberOf(userId));
}
