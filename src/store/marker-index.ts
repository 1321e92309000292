import type { Redis } from 'ioredis';
import type { OwnershipMarker } from '../domain/ownership-marker.ts';
import { engineKeys } from './keys.ts';

/**
 * The marker index of one source: which identities carry this source's ownership marker, and the marker
 * itself. v0.10 list responses omit `metadata_admin` (docs/kratos-behaviour.md), so without this index a full sync
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
  /** `get` for many identities in one round trip: the entries found, by identity id. */
  getMany(identityIds: readonly string[]): Promise<Map<string, MarkerIndexEntry>>;
  /** The identity id last recorded for a person key. */
  identityIdOf(key: string): Promise<string | null>;
  /** Every entry (id → marker), streamed with HSCAN so a big index does not block Redis. */
  entries(): AsyncIterable<[string, MarkerIndexEntry]>;
  /** Every entry as stored (id → `serializeIndexEntry` text): cheap to compare with a fresh entry. */
  rawEntries(): AsyncIterable<[string, string]>;
  count(): Promise<number>;
  /** Remember that an identity was read by id and had no marker of ours, as of its `updated_at`. */
  rememberUnmarked(identityId: string, updatedAt: string): Promise<void>;
  /** True when the identity was already read at this `updated_at` and had no marker of ours. */
  isKnownUnmarked(identityId: string, updatedAt: string): Promise<boolean>;
  /** `isKnownUnmarked` for a page of identities in one round trip: the ids that are known unmarked. */
  knownUnmarked(identities: Array<{ id: string; updated_at?: string }>): Promise<Set<string>>;
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
    // Three commands per thousand entries (multi-field HSET/HDEL), not three per entry.
    for (let start = 0; start < entries.length; start += 1000) {
      const slice = entries.slice(start, start + 1000);
      const markers: string[] = [];
      const ids: string[] = [];
      for (const { identityId, marker, adminDigest } of slice) {
        markers.push(identityId, serializeIndexEntry({ marker, ...(adminDigest ? { adminDigest } : {}) }));
        ids.push(marker.key, identityId);
      }
      await redis
        .multi()
        .hset(byId, ...markers)
        .hset(byKey, ...ids)
        .hdel(unmarked, ...slice.map((entry) => entry.identityId))
        .exec();
    }
  }

  async function* rawEntries(): AsyncGenerator<[string, string]> {
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscan(byId, cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
    } while (cursor !== '0');
  }

  return {
    put: (identityId, entry) => putMany([{ identityId, ...entry }]),
    putMany,
    async remove(identityId) {
      await redis.eval(REMOVE_SCRIPT, 3, byId, byKey, unmarked, identityId);
    },
    async get(identityId) {
      const raw = await redis.hget(byId, identityId);
      return raw ? parseIndexEntry(raw) : null;
    },
    async getMany(identityIds) {
      const found = new Map<string, MarkerIndexEntry>();
      if (identityIds.length === 0) return found;
      const raws = await redis.hmget(byId, ...identityIds);
      raws.forEach((raw, i) => {
        const entry = raw ? parseIndexEntry(raw) : null;
        if (entry) found.set(identityIds[i]!, entry);
      });
      return found;
    },
    identityIdOf: (key) => redis.hget(byKey, key),
    async *entries() {
      for await (const [id, raw] of rawEntries()) {
        const entry = parseIndexEntry(raw);
        if (entry) yield [id, entry];
      }
    },
    rawEntries,
    count: () => redis.hlen(byId),
    async rememberUnmarked(identityId, updatedAt) {
      await redis.hset(unmarked, identityId, updatedAt);
    },
    async isKnownUnmarked(identityId, updatedAt) {
      return (await redis.hget(unmarked, identityId)) === updatedAt;
    },
    async knownUnmarked(identities) {
      if (identities.length === 0) return new Set();
      const seen = await redis.hmget(unmarked, ...identities.map((identity) => identity.id));
      return new Set(
        identities.flatMap((identity, i) =>
          identity.updated_at !== undefined && seen[i] === identity.updated_at ? [identity.id] : [],
        ),
      );
    },
  };
}

/**
 * Where the identity id of one person key is stored (a hash and its field), for a caller that reads it inside
 * a script of its own (a `person.sync` job reads it with the person's lock: src/store/redis-lock.ts).
 */
export function personIndexField(
  prefix: string,
  source: string,
  key: string,
): { hash: string; field: string } {
  return { hash: engineKeys(prefix).markerByKey(source), field: key };
}

/** The stored form of an entry (marker fields in a fixed order, so equal entries give equal text). */
export function serializeIndexEntry(entry: MarkerIndexEntry): string {
  const { source, key, version, deactivated_at } = entry.marker;
  const m: OwnershipMarker = { source, key };
  if (version !== undefined) m.version = version;
  if (deactivated_at !== undefined) m.deactivated_at = deactivated_at;
  return JSON.stringify(entry.adminDigest ? { m, d: entry.adminDigest } : { m });
}

export function parseIndexEntry(raw: string): MarkerIndexEntry | null {
  try {
    const value = JSON.parse(raw) as { m?: OwnershipMarker; d?: string };
    const marker = value?.m;
    if (typeof marker?.source !== 'string' || typeof marker.key !== 'string') return null;
    return typeof value.d === 'string' ? { marker, adminDigest: value.d } : { marker };
  } catch {
    return null;
  }
}
