import { hasCode } from '../errors/describe-error.ts';
import type { Identity } from '../domain/identity.ts';
import { describeFailure, isKratosFailure } from './apply-errors.ts';
import type { ApplyDeps, ItemResult, WriteAction } from './apply-types.ts';
import { fingerprint, imageOf } from './before-image.ts';
import { toPatchOps, toUpdateBody } from './identity-body.ts';

/**
 * One update, adoption or reactivation. Kratos v1.0+: a JSON Patch of the changed fields only (fields nobody maps,
 * and edits made elsewhere meanwhile, are left alone; no request at all when nothing is left to change).
 * v0.10 has no PATCH: a PUT of the whole identity. PUT replaces `metadata_admin`, and v0.10 lists do not
 * show it, so when part of it is create-only the identity is read by id first.
 *
 * @returns the outcome and, when applied, the identity as Kratos now holds it (for the marker index).
 */
export async function applyWrite(
  deps: ApplyDeps,
  action: WriteAction,
  current: Identity | undefined,
): Promise<{ result: ItemResult; written?: Identity }> {
  try {
    const identity = current ?? (await deps.kratos.getIdentity(action.identityId));
    if (deps.kratos.capabilities.jsonPatch) {
      const ops = toPatchOps(action, identity, {
        source: deps.source,
        now: deps.now(),
        externalIds: deps.kratos.capabilities.externalIdLookup,
      });
      if (ops.length === 0)
        return {
          result: {
            action,
            outcome: 'skipped',
            identityId: action.identityId,
            note: 'nothing left to change',
          },
        };
      const before = deps.images ? await fullIdentity(deps, identity) : undefined;
      const written = await deps.kratos.patchIdentity(action.identityId, ops);
      keepImage(deps, action, before, written);
      return { result: { action, outcome: 'applied', identityId: action.identityId }, written };
    }
    const full =
      needsFullRead(action, identity) || deps.images ? await fullIdentity(deps, identity) : identity;
    const body = toUpdateBody(action.desired, full, deps.source, deps.kratos.capabilities.externalIdLookup);
    const written = await deps.kratos.updateIdentity(action.identityId, body);
    keepImage(deps, action, full, written);
    return { result: { action, outcome: 'applied', identityId: action.identityId }, written };
  } catch (err) {
    if (!isKratosFailure(err)) throw err;
    const error = describeFailure(err);
    if (hasCode(err, 'SYNC_ERR_KRATOS_NOT_FOUND'))
      error.message = `identity ${action.identityId} no longer exists (removed outside kratos-sync)`;
    return { result: { action, outcome: 'failed', identityId: action.identityId, error } };
  }
}

/** A v0.10 list shows only the marker of `metadata_admin`: create-only admin metadata must be read first. */
function needsFullRead(action: WriteAction, identity: Identity): boolean {
  return action.desired.createOnly.includes('metadataAdmin') && identity !== undefined;
}

/**
 * The identity with all of `metadata_admin`: where lists leave it out (v0.10), the listed identity carries
 * only the marker, so it is read by id.
 */
async function fullIdentity(deps: ApplyDeps, identity: Identity): Promise<Identity> {
  const listed = deps.kratos.capabilities.listIncludesAdminMetadata && identity.metadata_admin !== undefined;
  return listed ? identity : await deps.kratos.getIdentity(identity.id);
}

function keepImage(
  deps: ApplyDeps,
  action: WriteAction,
  before: Identity | undefined,
  written: Identity,
): void {
  if (!deps.images || !before) return;
  const image = imageOf(action.kind, action.key, before, deps.kratos.capabilities.externalIdLookup);
  image.after = fingerprint(written);
  deps.images.keep(action.identityId, image);
}
