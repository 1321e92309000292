import { hasCode } from '../errors/describe-error.ts';
import type { Identity } from '../domain/identity.ts';
import { readAuditForRun, type AuditEntry } from '../store/audit-store.ts';
import type { BeforeImage } from '../store/before-image-store.ts';
import { SyncError } from '../errors/catalogue.ts';
import { isRunId } from '../store/run-id.ts';
import { mapPool } from './apply-pool.ts';
import { applyDepsFor, beforeImageStoreFor, runStoreFor } from './apply-deps.ts';
import { fingerprint } from './before-image.ts';
import type { SyncContext } from './context.ts';
import { markerOf } from '../domain/ownership-marker.ts';
import type { RunReport } from '../domain/run-report.ts';

/**
 * One step of an undo, the inverse of one change the run applied:
 * - `reactivate` a person it deactivated (to the state and metadata kept, or just `active` without them);
 * - `recreate` a person it deleted, from the before-image (traits, metadata, external id, password hash and
 *   OIDC links where Kratos showed them; sessions are not restored, the identity gets a new id);
 * - `restore` the fields of a person it updated or adopted;
 * - `deactivate` a person it created or reactivated (never delete on undo). This removes access, so these
 *   go through the guard like any run's removals.
 */
export type UndoStep =
  | {
      kind: 'reactivate';
      key: string;
      identityId: string;
      reason: string;
      image?: BeforeImage;
      current: Identity;
    }
  | { kind: 'recreate'; key: string; identityId: string; reason: string; image: BeforeImage }
  | {
      kind: 'restore';
      key: string;
      identityId: string;
      reason: string;
      image: BeforeImage;
      current: Identity;
    }
  | { kind: 'deactivate'; key: string; identityId: string; reason: string; current: Identity };

export interface UndoSkip {
  key: string;
  identityId?: string;
  /** What the run did to the person. */
  action: string;
  reason: string;
}

export interface UndoPlan {
  run: RunReport;
  steps: UndoStep[];
  skipped: UndoSkip[];
  /** No before-images: only states are put back. */
  statesOnly: boolean;
  notices: string[];
}

/** Why a run cannot be undone, with its own code, so callers (the console) need not read the message. */
export function undoRefused(message: string): SyncError {
  return new SyncError('SYNC_ERR_UNDO_REFUSED', message);
}

/**
 * The inverse of what a run applied, from its audit entries (what changed, per person) and its before-images
 * (what was there before), checked against Kratos as it is now: a person changed again since the run is
 * skipped with the reason, never overwritten. Reads only.
 */
export async function planUndo(ctx: SyncContext, runId: string): Promise<UndoPlan> {
  const run = isRunId(runId) ? await runStoreFor(ctx).get(runId) : null;
  if (!run) throw undoRefused(`no run with id "${runId}" (see \`kratos-sync runs\`)`);
  if (run.dryRun) throw undoRefused(`run ${runId} was a dry run: it changed nothing`);
  if (run.trigger === 'undo')
    throw undoRefused(`run ${runId} is itself an undo; run a sync to re-apply the source`);
  if (run.status === 'running')
    throw undoRefused(`run ${runId} is still running; undo it once it has finished`);
  if (!ctx.config.sources[run.source])
    throw undoRefused(`run ${runId} belongs to source "${run.source}", which is not in this configuration`);

  const notices: string[] = [];
  const images = await readImages(ctx, runId, notices);
  const entries = latestApplied(await readAuditForRun(ctx.redis, ctx.config.redis.prefix, run, 10_000_000));
  const deps = applyDepsFor(ctx, run.source);
  const decided = await mapPool(entries, ctx.config.kratos.concurrency, async (entry) => {
    const current = entry.identityId ? await readOrNull(ctx, entry.identityId) : null;
    return decide(entry, current, images?.get(entry.identityId ?? '') ?? undefined, run.source);
  });
  const steps: UndoStep[] = [];
  const skipped: UndoSkip[] = [];
  for (const item of decided) ('kind' in item ? steps : skipped).push(item as never);
  await checkRecreates(deps.index, steps, skipped);
  if (!images) {
    notices.push(
      ctx.config.undo.key
        ? `run ${runId} kept no before-images (or they expired after undo.keepFor): states only — deactivated people are reactivated and created people deactivated; updated fields and deleted people cannot be restored`
        : 'undo.key is not set: states only — deactivated people are reactivated and created people deactivated; updated fields and deleted people cannot be restored',
    );
  }
  return { run, steps, skipped, statesOnly: !images, notices };
}

async function readImages(ctx: SyncContext, runId: string, notices: string[]) {
  try {
    return await beforeImageStoreFor(ctx).read(runId);
  } catch {
    notices.push(`the before-images of run ${runId} cannot be opened with this undo.key (was it changed?)`);
    return null;
  }
}

/** Applied changes only, one per identity (the last one, e.g. an approval after the run). */
function latestApplied(entries: AuditEntry[]): AuditEntry[] {
  const byIdentity = new Map<string, AuditEntry>();
  for (const entry of entries) {
    if (entry.outcome !== 'applied' || !entry.identityId) continue;
    byIdentity.delete(entry.identityId);
    byIdentity.set(entry.identityId, entry);
  }
  return [...byIdentity.values()];
}

async function readOrNull(ctx: SyncContext, identityId: string): Promise<Identity | null> {
  try {
    return await ctx.kratos.getIdentity(identityId);
  } catch (err) {
    if (hasCode(err, 'SYNC_ERR_KRATOS_NOT_FOUND')) return null;
    throw err;
  }
}

function decide(
  entry: AuditEntry,
  current: Identity | null,
  image: BeforeImage | undefined,
  source: string,
): UndoStep | UndoSkip {
  const identityId = entry.identityId!;
  const skip = (reason: string): UndoSkip => ({ key: entry.key, identityId, action: entry.action, reason });
  if (entry.action === 'delete') {
    if (current)
      return skip('the identity still exists (the deletion did not complete): nothing to recreate');
    if (!image) return skip('deleted, and no before-image was kept: cannot be recreated');
    return { kind: 'recreate', key: entry.key, identityId, image, reason: `recreate: run deleted it` };
  }
  if (!current) return skip('the identity no longer exists (deleted since the run)');
  const marker = markerOf(current, source);
  const ours = marker?.key === entry.key;
  switch (entry.action) {
    case 'deactivate':
      if (!ours) return skip("the identity no longer carries this source's marker for this person");
      if (current.state !== 'inactive') return skip('changed since the run: it is active again');
      return {
        kind: 'reactivate',
        key: entry.key,
        identityId,
        current,
        ...(image ? { image } : {}),
        reason: 'reactivate: run deactivated it',
      };
    case 'update':
    case 'adopt':
      if (!image) return skip('updated, and no before-image was kept: the previous values are unknown');
      if (image.after !== fingerprint(current))
        return skip('changed since the run (traits, metadata or state differ from what the run wrote)');
      return {
        kind: 'restore',
        key: entry.key,
        identityId,
        image,
        current,
        reason: `restore: run ${entry.action}d it`,
      };
    case 'create':
    case 'reactivate':
      if (!ours) return skip("the identity no longer carries this source's marker for this person");
      if (current.state === 'inactive') return skip('already inactive');
      return {
        kind: 'deactivate',
        key: entry.key,
        identityId,
        current,
        reason: `deactivate: run ${entry.action}d it`,
      };
    default:
      return skip(`"${entry.action}" is not undone`);
  }
}

/** A deleted person who has an identity again (a later run created one) is not recreated a second time. */
async function checkRecreates(
  index: ReturnType<typeof applyDepsFor>['index'],
  steps: UndoStep[],
  skipped: UndoSkip[],
): Promise<void> {
  for (let i = steps.length - 1; i >= 0; i -= 1) {
    const step = steps[i]!;
    if (step.kind !== 'recreate') continue;
    const now = await index.identityIdOf(step.key);
    if (now && now !== step.identityId) {
      steps.splice(i, 1);
      skipped.push({
        key: step.key,
        identityId: step.identityId,
        action: 'delete',
        reason: `changed since the run: the person has an identity again (${now})`,
      });
    }
  }
}
