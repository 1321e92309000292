import type { Identity } from '../domain/identity.ts';
import { adminDigest } from '../store/admin-digest.ts';
import { changedPaths, targetFields } from './target.ts';
import type { DesiredIdentity } from '../domain/plan.ts';
import type { OwnershipMarker } from '../domain/ownership-marker.ts';
import { compareVersions } from './versions.ts';

/**
 * v0.10: the listing shows no `metadata_admin`, so a managed identity only shows the marker. Where the digest
 * of what this run would write equals the digest of what we last wrote, Kratos holds exactly that: put it
 * back, so the plan sees no change. Otherwise the plan sees a difference and writes (which is right).
 */
export function restoreFromDigest(
  identity: Identity,
  desired: DesiredIdentity | undefined,
  digest: string | undefined,
  source: string,
): void {
  if (!digest || !desired) return;
  // Admin metadata does not depend on external id support.
  const target = targetFields(desired, identity, source, false).metadata_admin;
  if (adminDigest(target) === digest) identity.metadata_admin = target;
}

/**
 * True when the plan would say "nothing to do" for this person and their own identity — the common case of
 * a scheduled run. The full sync then keeps neither the identity nor the desired record in memory (100 000
 * of each would cost ~150 MB) and counts the person as unchanged. Anything less plain — a leaver, a stale
 * record, any changed field — goes to the planner as usual.
 */
export function isSettled(
  desired: DesiredIdentity,
  identity: Identity,
  marker: OwnershipMarker,
  source: string,
  externalIds: boolean,
): boolean {
  if (desired.leaver) return false;
  if (desired.version !== undefined && marker.version !== undefined) {
    if (compareVersions(desired.version, marker.version) < 0) return false;
  }
  return changedPaths(identity, targetFields(desired, identity, source, externalIds)).length === 0;
}
