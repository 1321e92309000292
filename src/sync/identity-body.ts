import type { CreateIdentityBody, JsonPatchOperation, UpdateIdentityBody } from '../kratos/types.ts';
import type { Identity } from '../domain/identity.ts';
import { readPath } from './diff.ts';
import { changedPaths, deactivatedFields, targetFields, type WritableFields } from './target.ts';
import type { DesiredIdentity, PlanAction } from '../domain/plan.ts';

/**
 * Request bodies for the writes a plan asks for. All of them start from `targetFields`, so a PUT, a JSON
 * Patch and the plan's `changed` list describe the same end state.
 */
export interface WriteOptions {
  source: string;
  /** The server stores `external_id` (capability `externalIdLookup`). */
  externalIds: boolean;
  /** Stamped as `deactivated_at` by deactivations. */
  now: Date;
}

/**
 * POST /admin/identities (and batch entries). Servers without external ids (v0.10, v1.x) answer 400 to the
 * field (strict decoder), so it is only sent where `externalIds` says the server stores it.
 */
export function toCreateBody(
  desired: DesiredIdentity,
  source: string,
  externalIds: boolean,
): CreateIdentityBody {
  return writeBody(targetFields(desired, null, source, externalIds));
}

/**
 * PUT /admin/identities/{id} for an update, adoption or reactivation. PUT replaces: every field is sent,
 * including the current `external_id` when the mapping has none (omitting it would clear it on v25.4+).
 * `current` must be the full identity (with `metadata_admin`: on v0.10 that means GET by id, not a list).
 */
export function toUpdateBody(
  desired: DesiredIdentity,
  current: Identity,
  source: string,
  externalIds: boolean,
): UpdateIdentityBody {
  return writeBody(targetFields(desired, current, source, externalIds));
}

/** PUT body that deactivates `current` and stamps `deactivated_at` (v0.10 has no JSON Patch). */
export function toDeactivateBody(current: Identity, options: WriteOptions): UpdateIdentityBody {
  return writeBody(deactivatedFields(current, options.source, options.now));
}

/**
 * JSON Patch for an update, adoption, reactivation or deactivation of `current`: one operation per changed
 * field, so fields kratos-sync does not own (and edits made meanwhile elsewhere) are left alone. An empty
 * list means nothing is left to change. `/external_id` is only ever patched where the server stores it:
 * v1.x drops that operation silently, so wanting it would mean a write on every run.
 */
export function toPatchOps(
  action: PlanAction,
  current: Identity,
  options: WriteOptions,
): JsonPatchOperation[] {
  const target = writableAfter(action, current, options);
  return changedPaths(current, target).map((path) => patchOp(current, target, path));
}

/**
 * The identity as Kratos would hold it after `action` (null after a delete; `current` unchanged for a skip).
 * For a create, `current` is ignored and `newId` becomes the id. Used by tests and by dry-run previews.
 */
export function identityAfterApply(
  action: PlanAction,
  current: Identity | null,
  options: WriteOptions & { newId?: string },
): Identity | null {
  if (action.kind === 'delete') return null;
  if (action.kind === 'skip') return current;
  if (action.kind === 'create') {
    const body = toCreateBody(action.desired, options.source, options.externalIds);
    const created: Identity = {
      id: options.newId ?? `new:${action.key}`,
      ...body,
      state: body.state ?? 'active',
    };
    return created;
  }
  if (current === null) throw new Error(`identityAfterApply: ${action.kind} needs the current identity`);
  const fields = writableAfter(action, current, options);
  const next: Identity = { ...current, ...fields };
  if (fields.external_id === undefined) delete next.external_id;
  return next;
}

function writableAfter(action: PlanAction, current: Identity, options: WriteOptions): WritableFields {
  switch (action.kind) {
    case 'update':
    case 'adopt':
    case 'reactivate':
      return targetFields(action.desired, current, options.source, options.externalIds);
    case 'deactivate':
      return deactivatedFields(current, options.source, options.now);
    default:
      throw new Error(`a ${action.kind} action is not a write to an existing identity`);
  }
}

/**
 * The create or PUT body that writes `fields`; `fields.external_id` is only set where the server stores
 * external ids (targetFields).
 */
function writeBody(fields: WritableFields): CreateIdentityBody & UpdateIdentityBody {
  const body: CreateIdentityBody & UpdateIdentityBody = {
    schema_id: fields.schema_id,
    state: fields.state,
    traits: fields.traits,
    metadata_public: fields.metadata_public,
    metadata_admin: fields.metadata_admin,
  };
  if (fields.external_id !== undefined) body.external_id = fields.external_id;
  return body;
}

function patchOp(current: Identity, target: WritableFields, path: string[]): JsonPatchOperation {
  const pointer = '/' + path.map(escapePointer).join('/');
  const value = readPath(target, path);
  if (value === undefined) return { op: 'remove', path: pointer };
  return { op: readPath(current, path) === undefined ? 'add' : 'replace', path: pointer, value };
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
