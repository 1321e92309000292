/**
 * Builders and a small in-memory "Kratos" for plan tests: apply a plan with the same body/patch helpers the
 * applier uses, then plan again.
 */
import type { LeaverConfig } from '../../src/config/sections/source.ts';
import type { ApiGeneration, JsonPatchOperation } from '../../src/kratos/types.ts';
import type { Identity } from '../../src/domain/identity.ts';
import {
  identityAfterApply,
  toDeactivateBody,
  toPatchOps,
  toUpdateBody,
} from '../../src/sync/identity-body.ts';
import { readMarker, withMarker } from '../../src/domain/ownership-marker.ts';
import type { DesiredIdentity, ManagedIdentity, PlanAction } from '../../src/domain/plan.ts';
import type { OwnershipMarker } from '../../src/domain/ownership-marker.ts';

export const SOURCE = 'hr';
export const NOW = new Date('2026-11-27T12:00:00.000Z');
export const DAY = 24 * 60 * 60 * 1000;

export function desired(key: string, overrides: Partial<DesiredIdentity> = {}): DesiredIdentity {
  return {
    key,
    externalId: `hr-${key}`,
    schemaId: 'employee',
    traits: { email: `${key.toLowerCase()}@example.com`, name: { first: 'Ada', last: key } },
    metadataPublic: { department: 'Engineering' },
    metadataAdmin: null,
    state: 'active',
    leaver: false,
    email: `${key.toLowerCase()}@example.com`,
    createOnly: [],
    createOnlyTraits: [],
    ...overrides,
  };
}

/** The identity `desired(key)` would have produced, owned by `source` (override anything). */
export function identityFor(
  key: string,
  overrides: Partial<Identity> = {},
  marker: Partial<OwnershipMarker> = {},
  source = SOURCE,
): Identity {
  const person = desired(key);
  return {
    id: `id-${key}`,
    schema_id: person.schemaId,
    state: 'active',
    traits: person.traits,
    metadata_public: person.metadataPublic,
    metadata_admin: withMarker(null, { source, key, ...marker }),
    external_id: person.externalId,
    ...overrides,
  };
}

export function managedOf(identities: Identity[]): ManagedIdentity[] {
  const out: ManagedIdentity[] = [];
  for (const identity of identities) {
    const marker = readMarker(identity);
    if (marker !== null) out.push({ identity, marker });
  }
  return out;
}

export function byEmail(identities: Identity[]): Map<string, Identity> {
  const map = new Map<string, Identity>();
  for (const identity of identities) {
    const email = identity.traits.email;
    if (typeof email === 'string') map.set(email.toLowerCase(), identity);
  }
  return map;
}

export function leaverConfig(overrides: Partial<LeaverConfig> = {}): LeaverConfig {
  return { policy: 'deactivate', graceDays: 30, timeZone: 'UTC', ...overrides };
}

/**
 * Applies a plan the way the applier would against a server of that API line: creates from `toCreateBody`
 * (via identityAfterApply), writes via JSON Patch (v26, v1 — which drops `/external_id` silently, having no
 * such field) or PUT (v0.10, which ignores `external_id`), deletes by removing.
 */
export function applyPlan(
  store: Map<string, Identity>,
  actions: PlanAction[],
  options: { generation: ApiGeneration; now: Date },
): void {
  const write = { source: SOURCE, externalIds: options.generation === 'v26', now: options.now };
  let created = 0;
  for (const action of actions) {
    if (action.kind === 'skip') continue;
    if (action.kind === 'create') {
      const identity = identityAfterApply(action, null, {
        ...write,
        newId: `new-${created++}-${action.key}`,
      });
      if (!write.externalIds) delete identity!.external_id;
      store.set(identity!.id, identity!);
      continue;
    }
    if (action.kind === 'delete') {
      store.delete(action.identityId);
      continue;
    }
    const current = store.get(action.identityId);
    if (current === undefined) throw new Error(`plan refers to unknown identity ${action.identityId}`);
    const next =
      options.generation === 'v0.10' ? put(current, action, write) : patched(current, action, write);
    if (!write.externalIds) delete next.external_id;
    store.set(current.id, next);
  }
}

type Write = { source: string; externalIds: boolean; now: Date };

function patched(current: Identity, action: PlanAction, write: Write): Identity {
  return applyJsonPatch(current, toPatchOps(action, current, write));
}

function put(current: Identity, action: PlanAction, write: Write): Identity {
  const body =
    action.kind === 'deactivate'
      ? toDeactivateBody(current, write)
      : toUpdateBody(
          (action as { desired: DesiredIdentity }).desired,
          current,
          write.source,
          write.externalIds,
        );
  // PUT replaces: fields missing from the body are cleared (docs/kratos-behaviour.md).
  const next: Identity = {
    ...current,
    schema_id: body.schema_id,
    state: body.state,
    traits: body.traits,
    metadata_public: body.metadata_public ?? null,
    metadata_admin: body.metadata_admin ?? null,
  };
  if (write.externalIds) {
    if (body.external_id) next.external_id = body.external_id;
    else delete next.external_id;
  }
  return next;
}

/** RFC 6902 add/replace/remove on object members (all kratos-sync emits). */
export function applyJsonPatch(identity: Identity, ops: JsonPatchOperation[]): Identity {
  const root = structuredClone(identity) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const segments = op.path
      .split('/')
      .slice(1)
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = segments.pop()!;
    let parent: Record<string, unknown> = root;
    for (const segment of segments) {
      const child = parent[segment];
      if (typeof child !== 'object' || child === null || Array.isArray(child)) {
        throw new Error(`patch ${op.op} ${op.path}: parent ${segment} is not an object`);
      }
      parent = child as Record<string, unknown>;
    }
    if (op.op === 'remove') {
      if (!(last in parent)) throw new Error(`patch remove ${op.path}: nothing there`);
      delete parent[last];
    } else if (op.op === 'replace') {
      if (!(last in parent)) throw new Error(`patch replace ${op.path}: nothing there (RFC 6902 needs add)`);
      parent[last] = structuredClone(op.value);
    } else {
      parent[last] = structuredClone(op.value);
    }
  }
  return root as unknown as Identity;
}
