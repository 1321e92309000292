/*
 * The ownership marker: how kratos-sync knows an identity is its own. Only identities carrying the marker of
 * a source (and a person key in it) are ever updated, deactivated or deleted by that source.
 */
import type { Identity, JsonObject } from './identity.ts';

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

/**
 * The ownership marker as stored, whatever source wrote it; null when the identity carries none (or a value
 * that is not a marker — a hand-edited `kratos_sync` key without source and key does not confer ownership).
 */
export function readMarker(identity: Pick<Identity, 'metadata_admin'>): OwnershipMarker | null {
  const raw = identity.metadata_admin?.[MARKER_FIELD];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const { source, key, version, deactivated_at } = raw as Record<string, unknown>;
  if (typeof source !== 'string' || source === '' || typeof key !== 'string' || key === '') return null;
  const marker: OwnershipMarker = { source, key };
  if (typeof version === 'string') marker.version = version;
  if (typeof deactivated_at === 'string') marker.deactivated_at = deactivated_at;
  return marker;
}

/** This source's marker on the identity, or null when it has none or another source owns it. */
export function markerOf(identity: Pick<Identity, 'metadata_admin'>, source: string): OwnershipMarker | null {
  const marker = readMarker(identity);
  return marker !== null && marker.source === source ? marker : null;
}

/** `metadata_admin` with the marker set (a new object; the input is not changed). */
export function withMarker(
  metadataAdmin: JsonObject | null | undefined,
  marker: OwnershipMarker,
): JsonObject {
  return { ...(metadataAdmin ?? {}), [MARKER_FIELD]: markerValue(marker) };
}

/** `metadata_admin` without the marker (what a mapping's `metadataAdmin` is compared with). */
export function withoutMarker(metadataAdmin: JsonObject | null | undefined): JsonObject | null {
  if (metadataAdmin === null || metadataAdmin === undefined) return null;
  if (!(MARKER_FIELD in metadataAdmin)) return metadataAdmin;
  const { [MARKER_FIELD]: _marker, ...rest } = metadataAdmin;
  return rest;
}

/** The marker as plain JSON with absent fields left out (so stored markers compare equal field by field). */
export function markerValue(marker: OwnershipMarker): JsonObject {
  const value: JsonObject = { source: marker.source, key: marker.key };
  if (marker.version !== undefined) value.version = marker.version;
  if (marker.deactivated_at !== undefined) value.deactivated_at = marker.deactivated_at;
  return value;
}
