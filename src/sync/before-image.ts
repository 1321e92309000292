import { createHash } from 'node:crypto';
import type { Identity, JsonObject } from '../domain/identity.ts';
import type { KratosClient } from '../kratos/types.ts';
import { isBadRequest } from '../kratos/errors.ts';
import type { BeforeImage, BeforeImageStore } from '../store/before-image-store.ts';

/**
 * Collects the before-images of one apply slice and stores them (sealed) when the slice settles, next to
 * its audit entries. Only runs that can be undone keep images (full syncs and their approvals).
 */
export interface ImageRecorder {
  keep(identityId: string, image: BeforeImage): void;
  /** Writes what was kept since the last flush. */
  flush(): Promise<void>;
}

export function createImageRecorder(store: BeforeImageStore, runId: string): ImageRecorder | undefined {
  if (!store.enabled) return undefined;
  let pending: Array<{ identityId: string; image: BeforeImage }> = [];
  return {
    keep: (identityId, image) => void pending.push({ identityId, image }),
    async flush() {
      const batch = pending;
      pending = [];
      await store.put(runId, batch);
    },
  };
}

/** The parts of an identity undo restores, as Kratos held them. */
export function imageOf(
  action: BeforeImage['action'],
  key: string,
  identity: Identity,
  externalIds: boolean,
): BeforeImage {
  const image: BeforeImage = {
    action,
    key,
    identity: {
      schema_id: identity.schema_id,
      traits: identity.traits,
      state: identity.state ?? 'active',
      metadata_public: identity.metadata_public ?? null,
      metadata_admin: identity.metadata_admin ?? null,
    },
  };
  if (externalIds && identity.external_id) image.identity.external_id = identity.external_id;
  const credentials = importableCredentials(identity);
  if (credentials) image.identity.credentials = credentials;
  return image;
}

/**
 * A short digest of what undo compares: traits, metadata, state, external id (key order ignored). Kept only
 * inside a sealed image, so it never stands in clear beside personal data.
 */
export function fingerprint(identity: Identity): string {
  const view = {
    schema_id: identity.schema_id,
    traits: identity.traits,
    state: identity.state ?? 'active',
    metadata_public: identity.metadata_public ?? null,
    metadata_admin: identity.metadata_admin ?? null,
    external_id: identity.external_id ?? null,
  };
  return createHash('sha256').update(canonicalJson(view)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as JsonObject)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The identity with the credential configs a recreate can import: the password hash and OIDC links
 * (identity/handler.go `include_credential`). A server that refuses a type (v0.10 accepts only `oidc`)
 * answers 400; then fewer types are asked for, down to none.
 */
export async function readWithCredentials(kratos: KratosClient, identityId: string): Promise<Identity> {
  for (const types of [['password', 'oidc'], ['oidc'], []]) {
    try {
      return await kratos.getIdentity(identityId, { includeCredentials: types });
    } catch (err) {
      if (!isBadRequest(err) || types.length === 0) throw err;
    }
  }
  throw new Error('unreachable');
}

/** `credentials` in the shape admin create imports (identity/handler_import.go). */
function importableCredentials(identity: Identity): Record<string, { config: JsonObject }> | undefined {
  const out: Record<string, { config: JsonObject }> = {};
  const hashed = identity.credentials?.password?.config?.hashed_password;
  if (typeof hashed === 'string' && hashed !== '') out.password = { config: { hashed_password: hashed } };
  const providers = identity.credentials?.oidc?.config?.providers;
  if (Array.isArray(providers) && providers.length > 0) {
    const links = (providers as JsonObject[])
      .filter((p) => typeof p.provider === 'string' && typeof p.subject === 'string')
      .map((p) => ({ provider: p.provider, subject: p.subject }));
    if (links.length) out.oidc = { config: { providers: links } };
  }
  return Object.keys(out).length ? out : undefined;
}
