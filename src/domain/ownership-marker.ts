/*
 * The ownership marker: how kratos-sync knows an identity is its own. Only identities carrying the marker of
 * a source (and a person key in it) are ever updated, deactivated or deleted by that source.
 */

/** Key under `metadata_admin` that marks an identity as owned by a kratos-sync source. */
export const MARKER_FIELD = 'kratos_sync';

/** The ownership marker, stored at `metadata_admin.kratos_sync`. */
export interface OwnershipMarker {
  /** Source name. */
  source: string;
  /** The person's key in the source (employee id). */
  key: string;
  /** The source version last applied (stale events never overwrite newer data). */
  version?: string;
  /** When kratos-sync deactivated the identity as a leaver (ISO); starts the delete grace period. */
  deactivated_at?: string;
}
