import type { Identity, IdentityState, JsonObject } from '../domain/identity.ts';
import { diffMetadata, diffPaths, isPlainObject, jsonEqual, readPath } from './diff.ts';
import { markerOf, readMarker, withMarker, withoutMarker } from '../domain/ownership-marker.ts';
import type { DesiredIdentity } from '../domain/plan.ts';
import type { OwnershipMarker } from '../domain/ownership-marker.ts';
import { compareVersions } from './versions.ts';

/**
 * The fields kratos-sync writes, as they must read after a write. Plan, PUT bodies and JSON Patch operations
 * are all derived from this one value, so "what we planned" and "what we sent" cannot drift apart.
 */
export interface WritableFields {
  schema_id: string;
  state: IdentityState;
  traits: JsonObject;
  metadata_public: JsonObject | null;
  /** Always carries the ownership marker. */
  metadata_admin: JsonObject;
  /**
   * Only where the server stores external ids (`externalIds`); undefined = leave as is (a PUT still sends
   * the current value, see identity-body.ts).
   */
  external_id?: string;
}

/**
 * What `desired` makes of `current` (null for a create): parts and traits marked create-only keep the
 * current values, the marker's version never goes backwards, and `deactivated_at` survives only while
 * the identity stays inactive. `externalIds`: the server stores `external_id` (capability
 * `externalIdLookup`); without it the mapping's `externalId` is not part of the target, so no plan wants to
 * write it (a v1.x JSON Patch on `/external_id` is dropped, which would otherwise repeat on every run).
 */
export function targetFields(
  desired: DesiredIdentity,
  current: Identity | null,
  source: string,
  externalIds: boolean,
): WritableFields {
  const createOnly = current === null ? NONE : desired.createOnly;
  const currentMarker = current === null ? null : markerOf(current, source);
  const marker: OwnershipMarker = { source, key: desired.key };
  const version = newerVersion(desired.version, currentMarker?.version);
  if (version !== undefined) marker.version = version;
  if (desired.state === 'inactive' && currentMarker?.deactivated_at !== undefined) {
    marker.deactivated_at = currentMarker.deactivated_at;
  }
  const adminBase = createOnly.includes('metadataAdmin')
    ? withoutMarker(current?.metadata_admin)
    : desired.metadataAdmin;
  const fields: WritableFields = {
    schema_id: desired.schemaId,
    state: desired.state,
    traits: createOnly.includes('traits') ? (current?.traits ?? {}) : traitsFor(desired, current),
    metadata_public: createOnly.includes('metadataPublic')
      ? (current?.metadata_public ?? null)
      : desired.metadataPublic,
    metadata_admin: withMarker(adminBase, marker),
  };
  if (externalIds) {
    const externalId = desired.externalId === '' ? undefined : desired.externalId;
    const value = externalId ?? current?.external_id;
    if (value !== undefined && value !== '') fields.external_id = value;
  }
  return fields;
}

/** `current` switched off by this source: state inactive, `deactivated_at` stamped (starts the grace). */
export function deactivatedFields(current: Identity, source: string, now: Date): WritableFields {
  const marker = readMarker(current) ?? { source, key: '' };
  const fields: WritableFields = {
    schema_id: current.schema_id,
    state: 'inactive',
    traits: current.traits,
    metadata_public: current.metadata_public ?? null,
    metadata_admin: withMarker(current.metadata_admin, { ...marker, deactivated_at: now.toISOString() }),
  };
  if (current.external_id !== undefined && current.external_id !== '')
    fields.external_id = current.external_id;
  return fields;
}

/** The paths where `target` differs from `current`, in a stable order. */
export function changedPaths(current: Identity, target: WritableFields): string[][] {
  const out: string[][] = [];
  if (current.schema_id !== target.schema_id) out.push(['schema_id']);
  // `target.external_id` is only set where the server stores external ids (see targetFields).
  if (target.external_id !== undefined && current.external_id !== target.external_id) {
    out.push(['external_id']);
  }
  if ((current.state ?? 'active') !== target.state) out.push(['state']);
  if (!jsonEqual(current.traits, target.traits)) {
    if (isPlainObject(current.traits)) diffPaths(current.traits, target.traits, ['traits'], out);
    else out.push(['traits']);
  }
  diffMetadata(current.metadata_public, target.metadata_public, 'metadata_public', out);
  diffMetadata(current.metadata_admin, target.metadata_admin, 'metadata_admin', out);
  return out;
}

/** The newer of two optional versions (a missing version never replaces a known one). */
function newerVersion(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareVersions(a, b) >= 0 ? a : b;
}

const NONE: DesiredIdentity['createOnly'] = [];

function traitsFor(desired: DesiredIdentity, current: Identity | null): JsonObject {
  if (current === null || desired.createOnlyTraits.length === 0) return desired.traits;
  let traits = desired.traits;
  for (const path of desired.createOnlyTraits) {
    traits = setPath(traits, path.split('.'), readPath(current.traits, path.split('.')));
  }
  return traits;
}

/** A copy of `object` with `segments` set to `value` (removed when undefined); copies only along the path. */
function setPath(object: JsonObject, segments: string[], value: unknown): JsonObject {
  const [head, ...rest] = segments;
  if (head === undefined) return object;
  const copy: JsonObject = { ...object };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  if (!isPlainObject(child)) {
    if (value === undefined) return copy;
    copy[head] = setPath({}, rest, value);
  } else {
    copy[head] = setPath(child, rest, value);
  }
  return copy;
}
