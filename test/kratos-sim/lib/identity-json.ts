import { schemaUrl, type SimContext } from './context.ts';
import type { JsonObject, StoredIdentity } from './types.ts';

/**
 * How an identity looks on the wire. Which parts show depends on the endpoint (the serializers of `identity/identity.go`):
 * create/get/update show `metadata_admin` and credentials without `config`; v0.10 lists show neither;
 * later lists show `metadata_admin` and credentials only when filtered by identifier or asked to.
 */
export interface IdentityView {
  /** 'none' leaves `credentials` out; 'metadata' shows them without `config`. */
  credentials: 'none' | 'metadata';
  /** Credential types whose `config` is shown (`include_credential`). */
  declassify?: ReadonlySet<string>;
  /**
   * `'omitNull'`: the identity is still the in-memory value Kratos just wrote (create, PUT), where a nil
   * `metadata_admin` is left out by `omitempty`; once loaded from the database it comes back as `null`
   * (`omitempty` on a nil `sqlxx.NullJSONRawMessage`).
   */
  metadataAdmin: boolean | 'omitNull';
}

export const ADMIN_VIEW: IdentityView = { credentials: 'metadata', metadataAdmin: true };
export const WRITTEN_VIEW: IdentityView = { credentials: 'metadata', metadataAdmin: 'omitNull' };

export function identityJson(ctx: SimContext, identity: StoredIdentity, view: IdentityView): JsonObject {
  const out: JsonObject = { id: identity.id };
  if (view.credentials !== 'none') {
    const creds: JsonObject = {};
    for (const [type, c] of Object.entries(identity.credentials)) {
      const shown: JsonObject = {
        type: c.type,
        identifiers: c.identifiers,
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
      };
      if (view.declassify?.has(type)) shown.config = c.config;
      creds[type] = shown;
    }
    out.credentials = creds;
  }
  out.schema_id = identity.schema_id;
  out.schema_url = schemaUrl(ctx, identity.schema_id);
  out.state = identity.state;
  out.state_changed_at = identity.state_changed_at;
  out.traits = identity.traits;
  out.verifiable_addresses = identity.verifiable_addresses;
  out.recovery_addresses = identity.recovery_addresses;
  out.metadata_public = identity.metadata_public;
  if (view.metadataAdmin === true || (view.metadataAdmin === 'omitNull' && identity.metadata_admin !== null))
    out.metadata_admin = identity.metadata_admin;
  if (ctx.profile.identity.externalId && identity.external_id !== null)
    out.external_id = identity.external_id;
  if (ctx.profile.identity.organizationId) out.organization_id = identity.organization_id;
  out.created_at = identity.created_at;
  out.updated_at = identity.updated_at;
  return out;
}

/**
 * A JSON array of identities as text. Rows are immutable (every write stores a new object), so each row's
 * text is cached per view; list pages of 500 then cost a join instead of 500 stringifications, which is
 * what keeps 100k-identity reconciles fast.
 */
const textCache = new WeakMap<StoredIdentity, Map<string, string>>();

export function identityArrayText(ctx: SimContext, identities: StoredIdentity[], view: IdentityView): string {
  if (view.declassify) return JSON.stringify(identities.map((i) => identityJson(ctx, i, view)));
  const key = `${view.credentials}|${String(view.metadataAdmin)}`;
  const parts = identities.map((identity) => {
    let byView = textCache.get(identity);
    if (!byView) textCache.set(identity, (byView = new Map()));
    let text = byView.get(key);
    if (text === undefined) byView.set(key, (text = JSON.stringify(identityJson(ctx, identity, view))));
    return text;
  });
  return `[${parts.join(',')}]`;
}

/**
 * The admin JSON a JSON Patch is applied to: admin metadata, and in v26 the credentials including
 * `config`; v1.x patches `WithAdminMetadataInJSON`, which has no `credentials` (`identity/identity.go:375-381`).
 */
export function patchableJson(ctx: SimContext, identity: StoredIdentity): JsonObject {
  const withCredentials = ctx.profile.patch.credentialsInDocument;
  const json = identityJson(ctx, identity, {
    credentials: withCredentials ? 'metadata' : 'none',
    ...(withCredentials ? { declassify: new Set(Object.keys(identity.credentials)) } : {}),
    metadataAdmin: true,
  });
  if (ctx.profile.identity.externalId && identity.external_id === null) json.external_id = '';
  return structuredClone(json);
}
