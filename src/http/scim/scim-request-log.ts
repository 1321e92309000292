import type { Redis } from 'ioredis';
import { scimKeys } from '../../scim/scim-keys.ts';

/**
 * One SCIM request as the audit and the console keep it: who (the client's configured name), what
 * (method, resource type, id), when, and how it ended. No attribute values and no filter text: both carry
 * personal data. `runId` links a write to the engine's own audit entries for the identity it changed.
 */
export interface ScimRequestEntry {
  at: string;
  client: string;
  method: string;
  /** `Users`, `Users/{id}`, `Groups`, `ServiceProviderConfig`, … */
  resource: string;
  id?: string;
  status: number;
  ms: number;
  /** What the engine did (created, updated, deactivated, held, queued, …). */
  outcome?: string;
  runId?: string;
}

/** Entries kept per source. */
const KEEP = 500;

export function createScimRequestLog(redis: Redis, prefix: string) {
  return {
    async record(source: string, entry: ScimRequestEntry): Promise<void> {
      const key = scimKeys(prefix, source).requests();
      await redis
        .multi()
        .lpush(key, JSON.stringify(entry))
        .ltrim(key, 0, KEEP - 1)
        .exec();
    },
    async recent(source: string, limit = 100): Promise<ScimRequestEntry[]> {
      const raw = await redis.lrange(scimKeys(prefix, source).requests(), 0, limit - 1);
      return raw.map((line) => JSON.parse(line) as ScimRequestEntry);
    },
  };
}
