import { badRequest, uniqueViolation } from '../herodot.ts';
import { buildIdentity } from '../identity-build.ts';
import { ADMIN_VIEW, identityJson, patchableJson } from '../identity-json.ts';
import { applyIdentityPatch } from '../json-patch.ts';
import { jsonReply } from '../replies.ts';
import type { Handler } from '../router.ts';
import type { JsonObject, StoredCredential, StoredIdentity, StoredVerifiableAddress } from '../types.ts';
import { isUuid } from '../strict-decode.ts';
import { findIdentity } from './identities-crud.ts';

/**
 * PATCH /admin/identities/{id}: JSON Patch on the admin JSON (`identity/handler.go` `patch`). The identity
 * is looked up first (404 even for a malformed body); the result is state-checked, then schema-validated
 * like an update, and nothing is stored on failure. The result is decoded with plain `json.Unmarshal`, so a
 * release without `external_id` silently drops `/external_id`, and one that patched a document without
 * credentials puts the stored credentials back.
 */
export const patchIdentity: Handler = async (ctx, req) => {
  const current = findIdentity(ctx, req.params.id);
  const patched = applyIdentityPatch(patchableJson(ctx, current), await req.body(), ctx.profile.patch);

  const state = patched.state;
  if (state !== current.state && state !== 'active' && state !== 'inactive')
    throw badRequest(
      `The supplied state ('${String(state)}') was not valid. Valid states are ('active', 'inactive').`,
    );
  const stringOr = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

  // The patched document stands in for the stored row: addresses and credential configs may have been edited.
  const base: StoredIdentity = {
    ...current,
    state: current.state,
    state_changed_at: stringOr(patched.state_changed_at, current.state_changed_at),
    credentials: ctx.profile.patch.credentialsInDocument
      ? patchedCredentials(patched.credentials, current)
      : current.credentials,
    verifiable_addresses: patchedAddresses(patched.verifiable_addresses, current.verifiable_addresses),
  };
  const identity = buildIdentity(
    ctx,
    current.id,
    base,
    {
      schema_id: stringOr(patched.schema_id, current.schema_id),
      traits: patched.traits ?? {},
      state: state as string,
      metadata_public: patched.metadata_public ?? null,
      metadata_admin: patched.metadata_admin ?? null,
      external_id:
        ctx.profile.identity.externalId &&
        typeof patched.external_id === 'string' &&
        patched.external_id !== ''
          ? patched.external_id
          : null,
      organization_id: patchedOrganization(
        ctx.profile.patch.organizationId,
        patched.organization_id,
        current,
      ),
    },
    undefined,
  );
  if (ctx.store.findConflict(identity)) throw uniqueViolation();
  ctx.store.put(identity);
  return jsonReply(200, identityJson(ctx, identity, ADMIN_VIEW));
};

/** `uuid.NullUUID`'s JSON decoding: a UUID or null; anything else fails the decode (a 400). */
function patchedOrganization(
  mode: 'persisted' | 'kept',
  value: unknown,
  current: StoredIdentity,
): string | null {
  if (mode === 'kept' || value === undefined) return current.organization_id;
  if (value === null) return null;
  if (typeof value === 'string' && isUuid(value)) return value.toLowerCase();
  throw badRequest(
    undefined,
    `uuid: incorrect UUID length ${String(value).length} in string "${String(value)}"`,
  );
}

function patchedCredentials(value: unknown, current: StoredIdentity): Record<string, StoredCredential> {
  if (!value || typeof value !== 'object') return current.credentials;
  const out: Record<string, StoredCredential> = {};
  for (const [type, raw] of Object.entries(value as Record<string, JsonObject>)) {
    const old = current.credentials[type];
    out[type] = {
      type,
      identifiers: Array.isArray(raw?.identifiers) ? (raw.identifiers as string[]) : (old?.identifiers ?? []),
      config: (raw?.config as JsonObject | undefined) ?? old?.config ?? {},
      version: typeof raw?.version === 'number' ? raw.version : (old?.version ?? 0),
      created_at: old?.created_at ?? String(raw?.created_at ?? ''),
      updated_at: old?.updated_at ?? String(raw?.updated_at ?? ''),
    };
  }
  return out;
}

function patchedAddresses(value: unknown, current: StoredVerifiableAddress[]): StoredVerifiableAddress[] {
  if (!Array.isArray(value)) return current;
  return value
    .filter((a): a is JsonObject => !!a && typeof a === 'object')
    .map((a, i) => {
      const old = current[i];
      const verified = a.verified === true;
      const address: StoredVerifiableAddress = {
        id: typeof a.id === 'string' ? a.id : (old?.id ?? ''),
        value: String(a.value ?? ''),
        via: String(a.via ?? 'email'),
        verified,
        status: typeof a.status === 'string' ? a.status : verified ? 'completed' : 'pending',
        created_at: old?.created_at ?? String(a.created_at ?? ''),
        updated_at: old?.updated_at ?? String(a.updated_at ?? ''),
      };
      if (verified)
        address.verified_at = typeof a.verified_at === 'string' ? a.verified_at : address.updated_at;
      return address;
    });
}
