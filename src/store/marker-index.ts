import type { Redis } from 'ioredis';
import type { OwnershipMarker } from '../sync/types.ts';
import { engineKeys } from './keys.ts';

/**
 * The marker index of one source: which identities carry this source's ownership marker, and the marker
 * itself. v0.10 list responses omit `metadata_admin` (BEHAVIOUR.md §0), so without this index a full sync
 * could only prove ownership with one GET per identity. It is written right after every create/adopt/update
 * (the marker was just written to Kratos) and removed on delete; it is a cache of Kratos state, never the
 * reason to touch an identity that Kratos says is not ours.
 *
 * Next to the marker it keeps a digest (SHA-256) of the whole `metadata_admin` last written, so a v0.10 full
 * sync can tell "unchanged" from the list response alone without storing admin metadata values in Redis.
 */
export interface MarkerIndexEntry {
  marker: OwnershipMarker;
  /** SHA-256 of the canonical JSON of the identity's `metadata_admin`, when known. */
  adminDigest?: string;
}

export interface MarkerIndex {
  put(identityId: string, entry: MarkerIndexEntry): Promise<void>;
  putMany(entries: Array<{ identityId: string } & MarkerIndexEntry>): Promise<void>;
  remove(identityId: string): Promise<void>;
  get(identityId: string): Promise<MarkerIndexEntry | null>;
  /** The identity id last recorded for a person key. */
  identityIdOf(key: string): Promise<string | null>;
  /** Every entry (id → marker), streamed with HSCAN so a big index does not block Redis. */
  entries(): AsyncIterable<[string, MarkerIndexEntry]>;
  count(): Promise<number>;
  /** Remember that an identity was read by id and had no marker of ours, as of its `updated_at`. */
  rememberUnmarked(identityId: string, updatedAt: string): Promise<void>;
  /** True when the identity was already read at this `updated_at` and had no marker of ours. */
  isKnownUnmarked(identityId: string, updatedAt: string): Promise<boolean>;
}

// Remove the by-id entry and, if the by-key entry still points at this identity, that one too.
const REMOVE_SCRIPT = `
local marker = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if marker then
  local ok, decoded = pcall(cjson.decode, marker)
  if ok and type(decoded) == 'table' and type(decoded.m) == 'table' and decoded.m.key then
    local key = decoded.m.key
    if redis.call('HGET', KEYS[2], key) == ARGV[1] then redis.call('HDEL', KEYS[2], key) end
  end
end
return 1`;

export function createMarkerIndex(redis: Redis, prefix: string, source: string): MarkerIndex {
  const keys = engineKeys(prefix);
  const byId = keys.markerById(source);
  const byKey = keys.markerByKey(source);
  const unmarked = keys.unmarkedChecked(source);

  async function putMany(entries: Array<{ identityId: string } & MarkerIndexEntry>): Promise<void> {
    if (entries.length === 0) return;
    const multi = redis.multi();
    for (const { identityId, marker, adminDigest } of entries) {
      multi.hset(
        byId,
        identityId,
        JSON.stringify(adminDigest ? { m: marker, d: adminDigest } : { m: marker }),
      );
      multi.hset(byKey, marker.key, identityId);
      multi.hdel(unmarked, identityId);
    }
    await multi.exec();
  }

  return {
    put: (identityId, entry) => putMany([{ identityId, ...entry }]),
    putMany,
    async remove(identityId) {
      await redis.eval(REMOVE_SCRIPT, 3, byId, byKey, unmarked, identityId);
    },
    async get(identityId) {
      const raw = await redis.hget(byId, identityId);
      return raw ? parseEntry(raw) : null;
    },
    identityIdOf: (key) => redis.hget(byKey, key),
    async *entries() {
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(byId, cursor, 'COUNT', 1000);
        cursor = next;
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const entry = parseEntry(flat[i + 1]!);
          if (entry) yield [flat[i]!, entry];
        }
      } while (cursor !== '0');
    },
    count: () => redis.hlen(byId),
    async rememberUnmarked(identityId, updatedAt) {
      await redis.hset(unmarked, identityId, updatedAt);
    },
    async isKnownUnmarked(identityId, updatedAt) {
      return (await redis.hget(unmarked, identityId)) === updatedAt;
    },
  };
}

function parseEntry(raw: string): MarkerIndexEntry | null {
  try {
    const value = JSON.parse(raw) as { m?: OwnershipMarker; d?: string };
    const marker = value?.m;
    if (typeof marker?.source !== 'string' || typeof marker.key !== 'string') return null;
    return typeof value.d === 'string' ? { marker, adminDigest: value.d } : { marker };
  } catch {
    return null;
  }
}
