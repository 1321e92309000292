import type { Identity } from '../domain/identity.ts';
import type { ManagedIdentity } from '../domain/plan.ts';
import type { OwnershipMarker } from '../domain/ownership-marker.ts';

/**
 * Indexes of the identities a plan matches records against. Only identities carrying this source's marker
 * can be matched; other sources' identities are indexed by external id so a collision becomes a skip with a
 * reason instead of a create that Kratos refuses with 409.
 */
export interface ManagedIndex {
  /** This source's identities by marker key (one per key; see `duplicates`). */
  byKey: Map<string, ManagedIdentity>;
  /** This source's identities by external id (where Kratos stores it, v25.4+); built on first use — most runs never need it. */
  byExternalId(): ReadonlyMap<string, ManagedIdentity>;
  /** Other sources' identities by external id: never touched, only reported. */
  foreignByExternalId: Map<string, OwnershipMarker>;
  /** Extra identities carrying a key that another identity already holds (a duplicate create). */
  duplicates: ManagedIdentity[];
}

export function indexManaged(managed: readonly ManagedIdentity[], source: string): ManagedIndex {
  const byKey = new Map<string, ManagedIdentity>();
  let byExternalId: Map<string, ManagedIdentity> | undefined;
  const index: ManagedIndex = {
    byKey,
    byExternalId() {
      if (byExternalId === undefined) {
        byExternalId = new Map();
        for (const entry of byKey.values()) {
          if (entry.identity.external_id) byExternalId.set(entry.identity.external_id, entry);
        }
      }
      return byExternalId;
    },
    foreignByExternalId: new Map(),
    duplicates: [],
  };
  for (const entry of managed) {
    const externalId = entry.identity.external_id;
    if (entry.marker.source !== source) {
      if (externalId) index.foreignByExternalId.set(externalId, entry.marker);
      continue;
    }
    const held = index.byKey.get(entry.marker.key);
    if (held === undefined) {
      index.byKey.set(entry.marker.key, entry);
    } else if (isPreferred(entry.identity, held.identity)) {
      index.byKey.set(entry.marker.key, entry);
      index.duplicates.push(held);
    } else {
      index.duplicates.push(entry);
    }
  }
  return index;
}

/**
 * Which of two identities with the same key is the person's (the other is left alone and reported): the
 * older one, so a duplicate made by a retried create never displaces the original; ties by id.
 */
function isPreferred(a: Identity, b: Identity): boolean {
  const ac = a.created_at ?? '';
  const bc = b.created_at ?? '';
  if (ac !== bc) return ac !== '' && (bc === '' || Date.parse(ac) < Date.parse(bc));
  return a.id < b.id;
}
