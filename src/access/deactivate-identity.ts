import type { Identity } from '../domain/identity.ts';
import type { KratosClient, UpdateIdentityBody } from '../kratos/types.ts';
import { MARKER_FIELD, readMarker } from '../domain/ownership-marker.ts';

/**
 * Set `state: inactive` and stamp `metadata_admin.kratos_sync.deactivated_at` (which starts the delete grace
 * period). Idempotent: an identity that is already inactive and stamped is left alone and keeps its first
 * timestamp, so repeating an offboarding never moves the grace period.
 *
 * Kratos v1.0+ gets a JSON Patch that touches only those two paths; v0.10 has no PATCH, so the identity (already
 * read by the caller) is written back whole with PUT — PUT replaces, so every field is carried over.
 *
 * @returns the identity as Kratos holds it afterwards and the deactivation time in force.
 */
export async function deactivateIdentity(
  kratos: KratosClient,
  identity: Identity,
  now: Date,
): Promise<{ identity: Identity; deactivatedAt: string }> {
  const marker = readMarker(identity);
  if (!marker) throw new Error(`identity ${identity.id} has no ownership marker`); // callers check first
  const stamped = marker.deactivated_at;
  if (identity.state === 'inactive' && stamped) return { identity, deactivatedAt: stamped };

  const deactivatedAt = stamped && identity.state === 'inactive' ? stamped : now.toISOString();
  if (kratos.capabilities.jsonPatch) {
    const updated = await kratos.patchIdentity(identity.id, [
      { op: 'replace', path: '/state', value: 'inactive' },
      // `add` on an existing member replaces it (RFC 6902), so this is safe on a repeat.
      { op: 'add', path: `/metadata_admin/${MARKER_FIELD}/deactivated_at`, value: deactivatedAt },
    ]);
    return { identity: updated, deactivatedAt };
  }
  const updated = await kratos.updateIdentity(identity.id, fullBodyWithDeactivation(identity, deactivatedAt));
  return { identity: updated, deactivatedAt };
}

function fullBodyWithDeactivation(identity: Identity, deactivatedAt: string): UpdateIdentityBody {
  const metadataAdmin = { ...identity.metadata_admin };
  metadataAdmin[MARKER_FIELD] = { ...(metadataAdmin[MARKER_FIELD] as object), deactivated_at: deactivatedAt };
  const body: UpdateIdentityBody = {
    schema_id: identity.schema_id,
    traits: identity.traits,
    state: 'inactive',
    metadata_public: identity.metadata_public ?? null,
    metadata_admin: metadataAdmin,
  };
  // v25.4+ clears external_id when it is left out of a PUT (docs/kratos-behaviour.md, "Updating
  // identities"); older servers have none to send.
  if (identity.external_id !== undefined) body.external_id = identity.external_id;
  return body;
}
