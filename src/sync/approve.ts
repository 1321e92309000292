import type { Identity } from '../domain/identity.ts';
import { acquireSyncLock } from '../store/sync-lock.ts';
import { isRunId } from '../store/run-id.ts';
import { engineKeys } from '../store/keys.ts';
import { withRedisMutex } from '../store/redis-mutex.ts';
import type { HeldAction, RunStore } from '../store/run-store.ts';
import { applyPlan } from './apply.ts';
import { applyDepsFor, runStoreFor, sourceRuntime } from './apply-deps.ts';
import { recheckSource } from './approve-source-check.ts';
import type { ApplyDeps, ItemResult } from './apply-types.ts';
import type { SyncContext } from './context.ts';
import { markerOf } from '../domain/ownership-marker.ts';
import { addAuditRange, tallyResults } from '../domain/run-report-tally.ts';
import {
  REPORT_ITEM_LIMIT,
  settledStatus,
  type RunReport,
  type RunStatus,
  type SkippedItem,
} from '../domain/run-report.ts';
import { nullOnNotFound } from '../kratos/errors.ts';

export interface DecisionResult {
  runId: string;
  decision: 'approved' | 'rejected';
  /** The run was not waiting (already approved, rejected, or never held): nothing was done now. */
  alreadyDecided: boolean;
  status: RunStatus;
  applied: number;
  failed: number;
  skipped: number;
  results: ItemResult[];
}

/**
 * Apply a run's held removals after a human said yes. Each one is re-checked against Kratos as it is now —
 * the identity still exists and still carries this source's marker for the same person, and a deletion's
 * identity is still inactive — and against the source as it is now (approve-source-check.ts: a person the
 * source lists again with access, or cannot answer for, is not removed), because hours may have passed; what
 * no longer holds is skipped with the reason. An undo run's removals are not asked of the source: a human
 * chose to reverse a run, whatever the source says. Idempotent: a run is decided once (a Redis claim), a
 * second approve does nothing.
 */
export async function approveRun(ctx: SyncContext, runId: string): Promise<DecisionResult> {
  const stored = await loadRun(ctx, runId);
  if (stored.status !== 'held') return undecided(stored, 'approved');
  // Before the claim: a run whose source is no longer configured stays held (it cannot be checked).
  const runtime = stored.trigger === 'undo' ? null : sourceRuntime(ctx, stored.source);
  const lock = await acquireSyncLock({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    source: stored.source,
    logger: ctx.logger,
    holder: `approve-${runId}`,
  });
  try {
    const runs = runStoreFor(ctx);
    const claimed = await claimRun(ctx, runs, stored, 'approved');
    if (!claimed) return undecided(await loadRun(ctx, runId), 'approved');
    const { report, held } = claimed;
    const deps = applyDepsFor(ctx, report.source, runId, { keepImages: report.trigger !== 'undo' });
    const checked = await recheck(deps, held);
    const sourced = runtime
      ? await recheckSource(ctx, runtime, checked.valid, checked.current)
      : { valid: checked.valid, skipped: [] };
    const outcome = await applyPlan(deps, {
      actions: sourced.valid,
      current: checked.current,
      runId,
      signal: lock.lost,
    });
    const results = [...checked.skipped, ...sourced.skipped, ...outcome.results];
    tallyResults(report, results);
    report.hookErrors += outcome.hookErrors;
    addAuditRange(report, outcome.auditRange, true);
    const count = (o: ItemResult['outcome']) => results.filter((r) => r.outcome === o).length;
    report.approval = {
      decision: 'approved',
      at: ctx.now().toISOString(),
      applied: count('applied'),
      failed: count('failed'),
      skipped: count('skipped'),
      ...keptItemsOf(results),
    };
    report.status = settledStatus(report);
    await runs.save(report);
    ctx.logger.info(
      { runId, source: report.source, ...report.approval },
      'held removals approved and applied',
    );
    return {
      runId,
      decision: 'approved',
      alreadyDecided: false,
      status: report.status,
      applied: report.approval.applied,
      failed: report.approval.failed,
      skipped: report.approval.skipped,
      results,
    };
  } finally {
    await lock.release();
  }
}

/** Decide against a held run: nothing is applied; the run ends `rejected`. Idempotent like approve. */
export async function rejectRun(ctx: SyncContext, runId: string): Promise<DecisionResult> {
  const stored = await loadRun(ctx, runId);
  if (stored.status !== 'held') return undecided(stored, 'rejected');
  const runs = runStoreFor(ctx);
  const claimed = await claimRun(ctx, runs, stored, 'rejected');
  if (!claimed) return undecided(await loadRun(ctx, runId), 'rejected');
  const { report } = claimed;
  report.approval = {
    decision: 'rejected',
    at: ctx.now().toISOString(),
    applied: 0,
    failed: 0,
    skipped: report.guard.held,
  };
  report.status = 'rejected';
  await runs.save(report);
  ctx.logger.info({ runId, source: report.source }, 'held removals rejected');
  return {
    runId,
    decision: 'rejected',
    alreadyDecided: false,
    status: 'rejected',
    applied: 0,
    failed: 0,
    skipped: report.guard.held,
    results: [],
  };
}

/**
 * Claim the decision under the source's event-hold lock (hold-event-removal.ts), so a single-person removal
 * joining an event hold lands either before the claim — and is decided with the rest — or in a new hold;
 * never in a run already decided. Returns the run and its held removals as claimed, or null.
 */
async function claimRun(
  ctx: SyncContext,
  runs: RunStore,
  run: RunReport,
  decision: DecisionResult['decision'],
): Promise<{ report: RunReport; held: HeldAction[] } | null> {
  const lock = engineKeys(ctx.config.redis.prefix).eventHoldLock(run.source);
  return await withRedisMutex(ctx.redis, lock, async () => {
    if (!(await runs.claimDecision(run.id, decision))) return null;
    return { report: await loadRun(ctx, run.id), held: await runs.readHeld(run.id) };
  });
}

async function loadRun(ctx: SyncContext, runId: string): Promise<RunReport> {
  const report = isRunId(runId) ? await runStoreFor(ctx).get(runId) : null;
  if (!report) throw new Error(`no run with id "${runId}" (see \`kratos-sync runs\`)`);
  return report;
}

function undecided(report: RunReport, decision: DecisionResult['decision']): DecisionResult {
  return {
    runId: report.id,
    decision,
    alreadyDecided: true,
    status: report.status,
    applied: 0,
    failed: 0,
    skipped: 0,
    results: [],
  };
}

async function recheck(deps: ApplyDeps, held: HeldAction[]) {
  const valid: HeldAction[] = [];
  const skipped: ItemResult[] = [];
  const current = new Map<string, Identity>();
  for (const action of held) {
    const identity = await deps.kratos.getIdentity(action.identityId).catch(nullOnNotFound);
    const skip = (message: string, code = 'SYNC_ERR_NOT_MANAGED') =>
      skipped.push({ action, outcome: 'skipped', identityId: action.identityId, error: { code, message } });
    if (!identity) {
      await deps.index.remove(action.identityId);
      skipped.push({
        action,
        outcome: action.kind === 'delete' ? 'applied' : 'skipped',
        identityId: action.identityId,
        note: 'the identity is already gone',
      });
      continue;
    }
    if (markerOf(identity, deps.source)?.key !== action.key) {
      skip(`identity ${action.identityId} no longer carries this source's marker for key "${action.key}"`);
    } else if (action.kind === 'delete' && identity.state !== 'inactive') {
      skip(`identity ${action.identityId} is active again: not deleted`, 'SYNC_ERR_GUARD_HELD');
    } else {
      valid.push(action);
      current.set(identity.id, identity);
    }
  }
  return { valid, skipped, current };
}

/** The skipped removals with their reasons, for the stored report (the results go to the caller). */
function keptItemsOf(results: readonly ItemResult[]): { skippedItems?: SkippedItem[] } {
  const items = results
    .filter((r) => r.outcome === 'skipped')
    .slice(0, REPORT_ITEM_LIMIT)
    .map((r): SkippedItem => ({
      kind: r.action.kind,
      key: r.action.key,
      ...(r.identityId ? { identityId: r.identityId } : {}),
      reason: r.error?.message ?? r.note ?? 'skipped',
      ...(r.error ? { code: r.error.code } : {}),
    }));
  return items.length > 0 ? { skippedItems: items } : {};
}
