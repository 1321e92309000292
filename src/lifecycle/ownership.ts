import type { Identity } from '../kratos/types.ts';
import { MARKER_FIELD, type OwnershipMarker } from '../sync/types.ts';

/** The ownership marker at `metadata_admin.kratos_sync`, or null when the identity has none (or a malformed one). */
export function readMarker(identity: Identity): OwnershipMarker | null {
  const raw = identity.metadata_admin?.[MARKER_FIELD];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const marker = raw as Record<string, unknown>;
  if (typeof marker.source !== 'string' || typeof marker.key !== 'string') return null;
  return marker as unknown as OwnershipMarker;
}

/** Why an identity is not ours to change, or null when it carries this source's marker for this person. */
export function notManagedReason(identity: Identity, source: string, key: string): string | null {
  const marker = readMarker(identity);
  if (!marker) return `identity ${identity.id} has no kratos-sync ownership marker`;
  if (marker.source !== source)
    return `identity ${identity.id} is managed by source "${marker.source}", not "${source}"`;
  if (marker.key !== key)
    return `identity ${identity.id} belongs to key "${marker.key}" of source "${source}", not "${key}"`;
  return null;
}
