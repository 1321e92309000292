import type { Identity } from '../domain/identity.ts';
import { readMarker } from '../domain/ownership-marker.ts';

/** Why an identity is not ours to change, or null when it carries this source's marker for this person. */
export function notManagedReason(identity: Identity, source: string, key: string): string | null {
  const marker = readMarker(identity);
  if (!marker) return `identity ${identity.id} is not managed by kratos-sync (no ownership marker)`;
  if (marker.source !== source)
    return `identity ${identity.id} is managed by source "${marker.source}", not "${source}"`;
  if (marker.key !== key)
    return `identity ${identity.id} belongs to key "${marker.key}" of source "${source}", not "${key}"`;
  return null;
}
