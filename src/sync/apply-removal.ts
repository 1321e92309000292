import { SyncError } from '../errors/catalogue.ts';
import { offboardIdentity } from '../lifecycle/offboard-identity.ts';
import { describeFailure, isKratosFailure } from './apply-errors.ts';
import type { ApplyDeps, ItemResult, RemovalAction } from './apply-types.ts';

/**
 * A leaver's deactivation or deletion, through the offboarding sequence (DESIGN.md invariant 4): it reads
 * the identity by id and refuses unless it still carries this source's marker for this person, sets it
 * inactive, revokes and verifies its sessions, and (for `delete`) deletes it. 404 anywhere means done.
 */
export async function applyRemoval(deps: ApplyDeps, action: RemovalAction): Promise<ItemResult> {
  const base = { action, identityId: action.identityId };
  try {
    const receipt = await offboardIdentity(
      { kratos: deps.kratos, logger: deps.logger, now: deps.now, receipts: deps.receipts },
      {
        identityId: action.identityId,
        source: deps.source,
        key: action.key,
        reason: action.reason,
        ...(action.leftAt ? { leftAt: action.leftAt } : {}),
      },
      action.kind === 'delete' ? { deleteNow: true } : {},
    );
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
