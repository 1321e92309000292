import type { Redis } from 'ioredis';
import type { Secret } from '../config/secret.ts';
import type { JsonObject } from '../domain/identity.ts';
import { engineKeys } from './keys.ts';
import { deriveKey, newDataKey, open, seal } from './sealed-box.ts';

/**
 * What a run overwrote or deleted of one identity, kept so the run can be undone. It holds personal data
 * and, for deletions, password hashes and social sign-in links: it is only ever stored sealed.
 */
export interface BeforeImage {
  /** What the run did to the identity. */
  action: 'update' | 'adopt' | 'reactivate' | 'deactivate' | 'delete';
  key: string;
  identity: {
    schema_id: string;
    traits: JsonObject;
    state: 'active' | 'inactive';
    metadata_public: JsonObject | null;
    metadata_admin: JsonObject | null;
    external_id?: string;
    /** Import-ready credentials (password hash, OIDC provider + subject), deletions only. */
    credentials?: Record<string, { config: JsonObject }>;
  };
  /** Fingerprint of the identity as the run left it (writes): a later change shows as another one. */
  after?: string;
}

export interface BeforeImageStore {
  /** False without `undo.key`: nothing is kept and undo covers state changes only. */
  readonly enabled: boolean;
  put(runId: string, images: ReadonlyArray<{ identityId: string; image: BeforeImage }>): Promise<void>;
  /** The run's images by identity id; null when it kept none, or its data key expired or was dropped. */
  read(runId: string): Promise<Map<string, BeforeImage> | null>;
  /** Forget one run's images (its data key first: without it the images are unreadable anyway). */
  drop(runId: string): Promise<void>;
}

/** Data keys kept unwrapped in this process (a few runs apply at a time). */
const CACHE_LIMIT = 64;

/**
 * Envelope encryption: each run gets a random 256-bit data key, stored wrapped (sealed) by the key derived
 * from `undo.key`; each image is sealed by the data key with the run and identity id as associated data.
 * Key and images expire together, `keepForMs` after the run's first image. Redis never sees a value in clear.
 */
export function createBeforeImageStore(options: {
  redis: Redis;
  prefix: string;
  key: Secret | undefined;
  keepForMs: number;
  now?: () => Date;
}): BeforeImageStore {
  const keys = engineKeys(options.prefix);
  const master = options.key ? deriveKey(options.key.reveal(), 'undo before-images v1') : undefined;
  const cache = new Map<string, { dataKey: Buffer; expiresAt: number }>();
  const now = () => (options.now ? options.now().getTime() : Date.now());

  const unwrap = (runId: string, stored: string) => {
    const split = stored.indexOf(':');
    const expiresAt = Number(stored.slice(0, split));
    return { dataKey: open(master!, stored.slice(split + 1), `undo-key:${runId}`), expiresAt };
  };

  async function dataKeyFor(runId: string): Promise<{ dataKey: Buffer; expiresAt: number }> {
    const cached = cache.get(runId);
    if (cached) return cached;
    const expiresAt = now() + options.keepForMs;
    const candidate = `${expiresAt}:${seal(master!, newDataKey(), `undo-key:${runId}`)}`;
    // Workers applying chunks of one run race here: the first data key stored wins, the others read it.
    await options.redis.set(keys.undoKey(runId), candidate, 'PXAT', expiresAt, 'NX');
    const stored = await options.redis.get(keys.undoKey(runId));
    if (!stored) throw new Error(`undo data key of run ${runId} vanished while it was written`);
    const entry = unwrap(runId, stored);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(runId, entry);
    return entry;
  }

  return {
    enabled: master !== undefined,
    async put(runId, images) {
      if (!master || images.length === 0) return;
      const { dataKey, expiresAt } = await dataKeyFor(runId);
      const fields = images.flatMap(({ identityId, image }) => [
        identityId,
        seal(dataKey, JSON.stringify(image), `undo-image:${runId}:${identityId}`),
      ]);
      await options.redis
        .multi()
        .hset(keys.undoImages(runId), ...fields)
        .pexpireat(keys.undoImages(runId), expiresAt)
        .exec();
    },
    async read(runId) {
      if (!master) return null;
      const stored = await options.redis.get(keys.undoKey(runId));
      if (!stored) return null;
      const { dataKey } = unwrap(runId, stored);
      const sealed = await options.redis.hgetall(keys.undoImages(runId));
      const images = new Map<string, BeforeImage>();
      for (const [identityId, box] of Object.entries(sealed)) {
        const text = open(dataKey, box, `undo-image:${runId}:${identityId}`).toString('utf8');
        images.set(identityId, JSON.parse(text) as BeforeImage);
      }
      return images;
    },
    async drop(runId) {
      cache.delete(runId);
      await options.redis.del(keys.undoKey(runId), keys.undoImages(runId));
    },
  };
}
