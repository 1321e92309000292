import { hasCode } from '../errors/describe-error.ts';
import type { Identity } from '../domain/identity.ts';
import { SyncError } from '../errors/catalogue.ts';
import { offboardIdentity } from '../access/offboard-identity.ts';
import { describeFailure, isKratosFailure } from './apply-errors.ts';
import type { ApplyDeps, ItemResult, RemovalAction } from './apply-types.ts';
import { imageOf, readWithCredentials } from './before-image.ts';

/**
 * A leaver's deactivation or deletion, through the offboarding sequence (docs/architecture.md): it reads
 * the identity by id and refuses unless it still carries this source's marker for this person, sets it
 * inactive, revokes and verifies its sessions, and (for `delete`) deletes it. 404 anywhere means done.
 * `readJustNow`: the identity as this same job read it by id just before planning the removal; the
 * offboarding starts from it rather than reading it again (see `OffboardTarget.readJustNow`).
 */
export async function applyRemoval(
  deps: ApplyDeps,
  action: RemovalAction,
  readJustNow?: Identity,
): Promise<ItemResult> {
  const base = { action, identityId: action.identityId };
  try {
    const image = deps.images ? await imageBeforeRemoval(deps, action) : undefined;
    const receipt = await offboardIdentity(
      { kratos: deps.kratos, logger: deps.logger, now: deps.now, receipts: deps.receipts },
      {
        identityId: action.identityId,
        source: deps.source,
        key: action.key,
        reason: action.reason,
        ...(action.leftAt ? { leftAt: action.leftAt } : {}),
        ...(readJustNow ? { readJustNow } : {}),
      },
      action.kind === 'delete' ? { deleteNow: true } : {},
    );
    // Kept whenever something changed (a deactivation whose session check failed still changed the state).
    if (image && (receipt.outcome === 'deleted' || receipt.deactivatedAt))
      deps.images!.keep(action.identityId, image);
    if (receipt.outcome === 'deleted' || receipt.outcome === 'already-gone') {
      await deps.index.remove(action.identityId);
      const note = receipt.outcome === 'already-gone' ? 'the identity was already gone' : undefined;
      return { ...base, outcome: 'applied', ...(note ? { note } : {}) };
    }
    if (receipt.deactivatedAt) await stampDeactivation(deps, action.identityId, receipt.deactivatedAt);
    if (receipt.outcome === 'offboarded') return { ...base, outcome: 'applied' };
    return {
      ...base,
      outcome: 'failed',
      error: {
        code: 'SYNC_ERR_KRATOS_REJECTED',
        message:
          'deactivated and sessions revoked, but Kratos still lists an active session (verification failed)',
      },
    };
  } catch (err) {
    if (err instanceof SyncError && err.code === 'SYNC_ERR_NOT_MANAGED') {
      return { ...base, outcome: 'skipped', error: describeFailure(err) };
    }
    if (!isKratosFailure(err)) throw err;
    return { ...base, outcome: 'failed', error: describeFailure(err) };
  }
}

/** Keep the index's copy of the marker in step (v0.10 reads the grace period's start from it). */
async function stampDeactivation(deps: ApplyDeps, identityId: string, deactivatedAt: string): Promise<void> {
  const entry = await deps.index.get(identityId);
  if (!entry || entry.marker.deactivated_at === deactivatedAt) return;
  await deps.index.put(identityId, { marker: { ...entry.marker, deactivated_at: deactivatedAt } });
}

/**
 * What a removal overwrites or deletes, read just before it: a deletion keeps the full identity with the
 * credentials Kratos shows an admin (password hash, OIDC links), a deactivation its state and metadata.
 * One extra read per removal, only when undo.key is set. Gone or refused identities keep nothing.
 */
async function imageBeforeRemoval(deps: ApplyDeps, action: RemovalAction) {
  try {
    const identity =
      action.kind === 'delete'
        ? await readWithCredentials(deps.kratos, action.identityId)
        : await deps.kratos.getIdentity(action.identityId);
    return imageOf(action.kind, action.key, identity, deps.kratos.capabilities.externalIdLookup);
  } catch (err) {
    if (hasCode(err, 'SYNC_ERR_KRATOS_NOT_FOUND')) return undefined;
    throw err;
  }
}
