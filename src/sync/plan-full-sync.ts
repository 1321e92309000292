import type { Identity } from '../domain/identity.ts';
import type { Logger } from '../log/logger.ts';
import type { HeldAction, RunStore } from '../store/run-store.ts';
import { createSourceBaseline } from '../store/source-baseline.ts';
import type { ApplyDeps } from './apply-types.ts';
import { applyDepsFor, sourceRuntime } from './apply-deps.ts';
import type { SyncContext } from './context.ts';
import { guardPlan, type GuardedPlan } from './guard.ts';
import { listManaged, type ManagedScan } from './managed.ts';
import { planSyncDetailedInSlices } from './plan.ts';
import { addQuarantined, tallyPlan } from '../domain/run-report-tally.ts';
import { summariseAction } from '../domain/action-summary.ts';
import { type RunReport } from '../domain/run-report.ts';
import { readSnapshot, type Snapshot } from './snapshot.ts';
import { snapshotDoubt } from './snapshot-doubt.ts';
import type { ManagedIdentity, PlanAction } from '../domain/plan.ts';

export type SyncProgress =
  | { phase: 'source'; records: number }
  | { phase: 'kratos'; listed: number }
  | { phase: 'apply'; done: number; total: number };

export interface PlannedFullSync {
  /** Guarded actions (`apply` now, `held` for approval, `blocked` by an incomplete snapshot) and the whole plan. */
  guarded: GuardedPlan & { all: PlanAction[] };
  /** The identities the plan was made against, by id (updates patch against them). */
  current: Map<string, Identity>;
  deps: ApplyDeps;
}

/**
 * The planning half of a full reconcile — snapshot → managed identities → plan → guard — recorded in
 * `report`. Shared by `runFullSync` (which applies in-process) and the queue's `sync.full` job (which
 * spreads the apply over every worker), so the deletion guard has one implementation.
 */
export async function planFullSync(
  ctx: SyncContext,
  sourceName: string,
  report: RunReport,
  options: {
    runId: string;
    dryRun: boolean;
    logger: Logger;
    signal?: AbortSignal;
    onProgress?: (progress: SyncProgress) => void;
    onPhase?: (phase: string, fields: Record<string, unknown>) => void;
  },
): Promise<PlannedFullSync> {
  const runtime = sourceRuntime(ctx, sourceName);
  const { signal, logger } = options;
  const snapshot = await readSnapshot(
    { source: runtime.source, mapper: runtime.mapper, logger, now: ctx.now },
    { signal, onRecords: (records) => options.onProgress?.({ phase: 'source', records }) },
  );
  signal?.throwIfAborted();
  await doubtSnapshot(ctx, sourceName, snapshot, options.dryRun);
  recordSnapshot(report, snapshot);
  noteUnstoredExternalIds(ctx, snapshot, report, logger);
  options.onPhase?.('source', {
    records: snapshot.records,
    desired: snapshot.desired.length,
    complete: snapshot.complete,
  });
  const deps = applyDepsFor(ctx, sourceName, options.runId, { keepImages: true });
  const desiredEmails = new Set(snapshot.desired.flatMap((d) => (d.email ? [d.email.toLowerCase()] : [])));
  const desiredExternalIds = new Set(snapshot.desired.flatMap((d) => (d.externalId ? [d.externalId] : [])));
  const desiredByKey = new Map(snapshot.desired.map((d) => [d.key, d]));
  // People settled while listing need no planning: their records are let go of as their identity is listed
  // (memory at 100 000 people), so nothing else may hold them meanwhile.
  snapshot.desired = [];
  const scan = await listManaged(
    { kratos: ctx.kratos, index: deps.index, logger, source: sourceName, concurrency: deps.concurrency },
    {
      desiredEmails,
      desiredExternalIds,
      desiredByKey,
      onSettled: (key) => desiredByKey.delete(key),
      dryRun: options.dryRun,
      pageSize: ctx.config.kratos.pageSize,
      signal,
      onListed: (listed) => options.onProgress?.({ phase: 'kratos', listed }),
    },
  );
  // In source order, as read: only the people not settled while listing.
  snapshot.desired = [...desiredByKey.values()];
  report.managed = managedCount(scan);
  options.onPhase?.('kratos', {
    listed: scan.listed,
    managed: report.managed,
    unchanged: scan.settledKeys.size,
  });
  const guarded = await planAndGuard(ctx, runtime.config, sourceName, snapshot, scan, report);
  options.onPhase?.('plan', {
    actions: guarded.all.length,
    held: guarded.held.length,
    blocked: guarded.blocked.length,
  });
  return { guarded, current: currentById(scan), deps };
}

/**
 * Kratos before v25.4 has no `external_id` (a create carrying it is refused), so the mapping's `externalId`
 * cannot be stored: people are matched by the ownership marker's key instead. Said once per run, in the
 * report and the log, not once per person — and never by failing the creates.
 */
function noteUnstoredExternalIds(
  ctx: SyncContext,
  snapshot: Snapshot,
  report: RunReport,
  logger: Logger,
): void {
  if (ctx.kratos.capabilities.externalIdLookup) return;
  const people = snapshot.desired.filter((d) => d.externalId !== undefined && d.externalId !== '').length;
  if (people === 0) return;
  const notice =
    `the mapping sets externalId for ${people} people, but this Kratos (${ctx.kratos.capabilities.generation}) ` +
    'has no external_id: it is not stored, and people are matched by the marker key in metadata_admin';
  (report.notices ??= []).push(notice);
  logger.warn({ people }, `kratos-sync: ${notice}`);
}

/** Store a planned run's plan summary (in slices) and its held removals. */
export async function storePlan(
  runs: RunStore,
  report: Pick<RunReport, 'id' | 'source'>,
  guarded: PlannedFullSync['guarded'],
): Promise<void> {
  const runId = report.id;
  for (let start = 0; start < guarded.all.length; start += 1000) {
    await runs.appendPlan(runId, guarded.all.slice(start, start + 1000).map(summariseAction));
  }
  if (guarded.held.length > 0) await runs.saveHeld(runId, report.source, guarded.held as HeldAction[]);
}

/**
 * A read that ended normally but is empty, or shrank past `guard.maxSourceShrink`, is made incomplete (its
 * removals are blocked; see snapshotDoubt). A complete read that is believed becomes the next baseline —
 * not a dry run's, which changes nothing.
 */
async function doubtSnapshot(
  ctx: SyncContext,
  sourceName: string,
  snapshot: Snapshot,
  dryRun: boolean,
): Promise<void> {
  if (!snapshot.complete) return;
  const { config } = sourceRuntime(ctx, sourceName);
  const baseline = createSourceBaseline(ctx.redis, ctx.config.redis.prefix);
  const doubt = snapshotDoubt(snapshot.records, await baseline.get(sourceName), {
    mayBeEmpty: config.mayBeEmpty,
    maxSourceShrink: config.guard.maxSourceShrink,
  });
  if (doubt) {
    snapshot.complete = false;
    snapshot.error = doubt;
  } else if (!dryRun) {
    await baseline.set(sourceName, snapshot.records);
  }
}

function recordSnapshot(report: RunReport, snapshot: Snapshot): void {
  report.snapshot = {
    complete: snapshot.complete,
    records: snapshot.records,
    desired: snapshot.desired.length,
  };
  if (snapshot.error) report.snapshot.error = snapshot.error;
  addQuarantined(report, snapshot.quarantined);
}

async function planAndGuard(
  ctx: SyncContext,
  config: {
    adoptByEmail: boolean;
    leaver: Parameters<typeof planSyncDetailedInSlices>[0]['leaver'];
    guard: Parameters<typeof guardPlan>[1]['guard'];
  },
  source: string,
  snapshot: Snapshot,
  scan: ManagedScan,
  report: RunReport,
): Promise<GuardedPlan & { all: PlanAction[] }> {
  const plan = await planSyncDetailedInSlices({
    source,
    desired: snapshot.desired,
    managed: [...scan.managed, ...scan.foreign],
    adoptable: scan.unmanagedByEmail,
    adoptByEmail: config.adoptByEmail,
    leaver: config.leaver,
    now: ctx.now(),
    presentKeys: snapshot.presentKeys,
    externalIds: ctx.kratos.capabilities.externalIdLookup,
  });
  report.unchanged = plan.unchanged + scan.settledKeys.size;
  const actions = [...plan.actions, ...scan.duplicatesOfSettled.map(duplicateSkip)];
  tallyPlan(report, actions);
  const guarded = holdOnUnkeyedRecords(
    guardPlan(actions, {
      snapshotComplete: snapshot.complete,
      managedCount: managedCount(scan),
      guard: config.guard,
    }),
    snapshot.unkeyed,
  );
  report.guard = { held: guarded.held.length, blocked: guarded.blocked.length };
  if (guarded.reason) report.guard.reason = guarded.reason;
  return { ...guarded, all: actions };
}

function managedCount(scan: ManagedScan): number {
  return scan.managed.length + scan.settledKeys.size + scan.duplicatesOfSettled.length;
}

/** Worded as the planner words its own duplicate-key skip. */
function duplicateSkip({ identity, marker }: ManagedIdentity): PlanAction {
  return {
    kind: 'skip',
    key: marker.key,
    identityId: identity.id,
    reason: 'another identity already carries this key; this one is left alone for a person to resolve',
  };
}

/**
 * A record whose key could not be read could be any managed person, so nobody can be ruled out as gone:
 * removals wait for a human (src/sources/types.ts, "bad row").
 */
function holdOnUnkeyedRecords(guarded: GuardedPlan, unkeyed: number): GuardedPlan {
  if (unkeyed === 0) return guarded;
  const removals = guarded.apply.filter((a) => a.kind === 'deactivate' || a.kind === 'delete');
  if (removals.length === 0) return guarded;
  return {
    apply: guarded.apply.filter((a) => a.kind !== 'deactivate' && a.kind !== 'delete'),
    held: [...guarded.held, ...removals],
    blocked: guarded.blocked,
    reason: `${unkeyed} source record(s) had no readable key, so no one can be ruled out as gone: ${removals.length} removal(s) held for approval`,
  };
}

function currentById(scan: ManagedScan): Map<string, Identity> {
  const current = new Map<string, Identity>();
  for (const { identity } of scan.managed) current.set(identity.id, identity);
  for (const identity of scan.unmanagedByEmail.values()) current.set(identity.id, identity);
  return current;
}
