import { hasCode } from '../errors/describe-error.ts';
import type { CreateIdentityBody, UpdateIdentityBody } from '../kratos/types.ts';
import type { Identity } from '../domain/identity.ts';
import type { AuditEntry } from '../store/audit-store.ts';
import { digestOf } from './apply.ts';
import { describeFailure, isKratosFailure } from './apply-errors.ts';
import { mapPool } from './apply-pool.ts';
import type { ApplyDeps } from './apply-types.ts';
import type { AuditRange, ReportError } from '../domain/run-report.ts';
import { markerOf, markerValue, MARKER_FIELD } from '../domain/ownership-marker.ts';
import { type PlanActionKind } from '../domain/plan.ts';
import type { UndoStep } from './undo-plan.ts';

type WriteStep = Exclude<UndoStep, { kind: 'deactivate' }>;

/** How one undo step ended (`identityId`: the new id of a recreated identity). */
export interface UndoResult {
  step: UndoStep;
  outcome: 'applied' | 'failed';
  identityId: string;
  error?: ReportError;
}

/** The plan kind an undo step is counted as in the undo run's report (recreate → create, restore → update). */
export const COUNTED_AS = {
  reactivate: 'reactivate',
  recreate: 'create',
  restore: 'update',
  deactivate: 'deactivate',
} as const satisfies Record<UndoStep['kind'], PlanActionKind>;

/**
 * Apply the undo steps that give access back or restore values (reactivate, recreate, restore), a few at a
 * time. Each ends applied or failed with a value-free reason; each is audited under the undo run's id and
 * the marker index follows it. A recreated identity gets a new id (Kratos assigns ids).
 */
export async function applyUndoWrites(
  deps: ApplyDeps,
  steps: readonly WriteStep[],
  runId: string,
  actor: string,
): Promise<{ results: UndoResult[]; range: AuditRange | null }> {
  const results = await mapPool(steps, deps.concurrency, (step) => applyStep(deps, step));
  const at = deps.now().toISOString();
  const entries: AuditEntry[] = results.map((result) => ({
    at,
    runId,
    source: deps.source,
    key: result.step.key,
    action: `undo-${result.step.kind}`,
    changed: changedFields(result.step),
    outcome: result.outcome,
    by: actor,
    identityId: result.identityId,
    ...(result.error ? { error: result.error } : {}),
  }));
  return { results, range: await deps.audit.record(entries) };
}

async function applyStep(deps: ApplyDeps, step: WriteStep): Promise<UndoResult> {
  try {
    if (step.kind === 'recreate') {
      const created = await deps.kratos.createIdentity(createBody(deps, step));
      await follow(deps, created.id, step.image.identity.metadata_admin);
      return { step, outcome: 'applied', identityId: created.id };
    }
    const written = await deps.kratos.updateIdentity(step.identityId, updateBody(deps, step));
    await follow(deps, step.identityId, written.metadata_admin ?? null);
    return { step, outcome: 'applied', identityId: step.identityId };
  } catch (err) {
    if (!isKratosFailure(err)) throw err;
    const error = describeFailure(err);
    if (step.kind === 'recreate' && hasCode(err, 'SYNC_ERR_KRATOS_CONFLICT'))
      error.message = 'an identity with the same identifier or external id exists now: not recreated';
    return { step, outcome: 'failed', identityId: step.identityId, error };
  }
}

function createBody(deps: ApplyDeps, step: Extract<UndoStep, { kind: 'recreate' }>): CreateIdentityBody {
  const { identity } = step.image;
  const body: CreateIdentityBody = {
    schema_id: identity.schema_id,
    traits: identity.traits,
    state: identity.state,
    metadata_public: identity.metadata_public,
    metadata_admin: identity.metadata_admin,
  };
  if (identity.external_id && deps.kratos.capabilities.externalIdLookup)
    body.external_id = identity.external_id;
  if (identity.credentials) body.credentials = identity.credentials;
  return body;
}

/** PUT replaces: every field is sent, from the before-image, or (states only) from Kratos as it is now. */
function updateBody(deps: ApplyDeps, step: Exclude<WriteStep, { kind: 'recreate' }>): UpdateIdentityBody {
  const externalIds = deps.kratos.capabilities.externalIdLookup;
  const source = step.image ? fromImage(step) : statesOnly(step.current, deps.source);
  const body: UpdateIdentityBody = {
    schema_id: source.schema_id,
    traits: source.traits,
    state: source.state ?? 'active',
    metadata_public: source.metadata_public ?? null,
    metadata_admin: source.metadata_admin ?? null,
  };
  if (externalIds) body.external_id = source.external_id ?? null;
  return body;
}

/**
 * A deactivation wrote only the state and the marker's stamp, so its inverse puts back only those: traits and
 * metadata_public stay as Kratos holds them now (edits made since the run are kept). A restore puts back all.
 */
function fromImage(step: Exclude<WriteStep, { kind: 'recreate' }>): Omit<Identity, 'id'> {
  const image = step.image!.identity;
  if (step.kind !== 'reactivate') return image;
  return { ...step.current, state: image.state ?? 'active', metadata_admin: image.metadata_admin ?? null };
}

/** Without a before-image a reactivation sets `active` and drops the deactivation stamp it wrote. */
function statesOnly(current: Identity, source: string): Identity {
  const metadataAdmin = { ...(current.metadata_admin ?? {}) };
  const marker = markerOf(current, source);
  if (marker) {
    const { deactivated_at: _stamp, ...rest } = marker;
    metadataAdmin[MARKER_FIELD] = markerValue(rest);
  }
  return { ...current, state: 'active', metadata_admin: metadataAdmin };
}

async function follow(deps: ApplyDeps, identityId: string, metadataAdmin: Identity['metadata_admin']) {
  const marker = markerOf({ metadata_admin: metadataAdmin ?? null }, deps.source);
  if (marker) await deps.index.put(identityId, { marker, ...digestOf(deps, metadataAdmin) });
  else await deps.index.remove(identityId);
}

function changedFields(step: UndoStep): string[] {
  if (step.kind === 'deactivate') return ['state'];
  if (step.kind === 'recreate') return ['identity'];
  if (step.kind === 'reactivate')
    return step.image ? ['state', 'metadata_admin'] : ['state', 'metadata_admin.kratos_sync.deactivated_at'];
  return ['traits', 'metadata_public', 'metadata_admin', 'state'];
}
