/**
 * The report of a run: what was planned, what was applied, what failed and why — counts, field names and
 * reasons only. No trait values are kept here (it is stored in Redis and shown in the console); the only
 * personal fields are the display `email`/`name` of each plan entry, so an operator can tell people apart.
 */
import type { PlanAction, PlanActionKind, QuarantinedRecord } from './types.ts';

export type RunTrigger = 'cli' | 'schedule' | 'webhook' | 'api' | 'undo';
export type RunStatus = 'running' | 'completed' | 'partial' | 'held' | 'failed' | 'rejected';
export type ItemOutcome = 'applied' | 'failed' | 'skipped';

export interface ReportError {
  code: string;
  message: string;
}

/** One plan action as it is stored and shown: no trait values. */
export interface ActionSummary {
  kind: PlanActionKind;
  key: string;
  identityId?: string;
  changed?: string[];
  reason: string;
  email?: string;
  name?: string;
}

export interface FailureItem {
  kind: PlanActionKind;
  key: string;
  identityId?: string;
  error: ReportError;
}

export interface ActionCounts {
  planned: number;
  applied: number;
  failed: number;
  skipped: number;
}

/** A span of the source's audit stream (stream ids) holding this run's entries. */
export interface AuditRange {
  from: string;
  to: string;
}

/** What an undo run reverses and what it could not (kept in the undo run's report). */
export interface UndoInfo {
  /** The run it reverses. */
  of: string;
  /** Who asked (`cli:<user>`, `console:<user>`). */
  by: string;
  /** No before-images could be read (no undo.key, or they expired): states were restored, values were not. */
  statesOnly: boolean;
  skipped: {
    total: number;
    items: Array<{ key: string; identityId?: string; action: string; reason: string }>;
  };
}

/** At most this many quarantined records and failures are kept in a report; the totals stay exact. */
export const REPORT_ITEM_LIMIT = 1000;

export interface RunReport {
  id: string;
  source: string;
  trigger: RunTrigger;
  dryRun: boolean;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  snapshot: { complete: boolean; records: number; desired: number; error?: ReportError };
  /** Identities found carrying this source's marker. */
  managed: number;
  /** Per action kind: planned, applied, failed, skipped (e.g. re-check at approval said no). */
  counts: Partial<Record<PlanActionKind, ActionCounts>>;
  /** People whose identity already matches the source (no action planned). */
  unchanged: number;
  /**
   * People the plan could not act on because of a collision (another identity holds their key, external_id
   * or email, or two records claim one identity): planned `skip`s other than stale records. They need a human.
   */
  collisions: number;
  guard: { held: number; blocked: number; reason?: string };
  quarantined: { total: number; records: QuarantinedRecord[] };
  failures: { total: number; items: FailureItem[] };
  kratosCalls: { total: number; byOperation: Record<string, number> };
  hookErrors: number;
  auditRanges: AuditRange[];
  approval?: {
    decision: 'approved' | 'rejected';
    at: string;
    applied: number;
    failed: number;
    skipped: number;
  };
  /** Why the run failed as a whole (status `failed`). */
  error?: ReportError;
  /** An undo run (trigger `undo`): the run it reverses, who asked, and the people it left alone and why. */
  undo?: UndoInfo;
  /**
   * Things the operator should know that are not failures, each said once per run (e.g. the mapping sets
   * `externalId` but this Kratos has no external ids).
   */
  notices?: string[];
  /**
   * Invites of this source whose hand-over was interrupted (they may have reached no one) and that were
   * still unsettled when the run ended; each is re-issued after `onboarding.reissueAfter` unless the person
   * activates. Absent when there are none.
   */
  invitesUncertain?: number;
  /**
   * Set on a `failed` report when the queue will run the job again (an attempt is left, or it waits for
   * Kratos to come back): the run is not over, so no one is told it failed yet.
   */
  retryScheduled?: boolean;
}

export function newReport(fields: {
  id: string;
  source: string;
  trigger: RunTrigger;
  dryRun: boolean;
  startedAt: Date;
}): RunReport {
  return {
    id: fields.id,
    source: fields.source,
    trigger: fields.trigger,
    dryRun: fields.dryRun,
    status: 'running',
    startedAt: fields.startedAt.toISOString(),
    snapshot: { complete: false, records: 0, desired: 0 },
    managed: 0,
    counts: {},
    unchanged: 0,
    collisions: 0,
    guard: { held: 0, blocked: 0 },
    quarantined: { total: 0, records: [] },
    failures: { total: 0, items: [] },
    kratosCalls: { total: 0, byOperation: {} },
    hookErrors: 0,
    auditRanges: [],
  };
}

export function countFor(report: RunReport, kind: PlanActionKind): ActionCounts {
  return (report.counts[kind] ??= { planned: 0, applied: 0, failed: 0, skipped: 0 });
}

export function addQuarantined(report: RunReport, records: Iterable<QuarantinedRecord>): void {
  for (const record of records) {
    report.quarantined.total += 1;
    if (report.quarantined.records.length < REPORT_ITEM_LIMIT) report.quarantined.records.push(record);
  }
}

export function addFailure(report: RunReport, item: FailureItem): void {
  report.failures.total += 1;
  if (report.failures.items.length < REPORT_ITEM_LIMIT) report.failures.items.push(item);
}

/** Extend the run's audit span, or open a new one (an approval applies later, after other runs). */
export function addAuditRange(report: RunReport, range: AuditRange | null, newSpan = false): void {
  if (!range) return;
  const last = report.auditRanges.at(-1);
  if (!last || newSpan) report.auditRanges.push({ ...range });
  else last.to = range.to;
}

/** The Kratos calls made since `before` (the client counts every request by operation). */
export function callDelta(before: Record<string, number>, after: Record<string, number>) {
  const byOperation: Record<string, number> = {};
  let total = 0;
  for (const [operation, count] of Object.entries(after)) {
    const delta = count - (before[operation] ?? 0);
    if (delta > 0) {
      byOperation[operation] = delta;
      total += delta;
    }
  }
  return { total, byOperation };
}

export function mergeCalls(report: RunReport, delta: { total: number; byOperation: Record<string, number> }) {
  report.kratosCalls.total += delta.total;
  for (const [operation, count] of Object.entries(delta.byOperation)) {
    report.kratosCalls.byOperation[operation] = (report.kratosCalls.byOperation[operation] ?? 0) + count;
  }
}

/** completed, partial (something quarantined, failed or not read), or held (removals wait for approval). */
export function settledStatus(report: RunReport): RunStatus {
  if (report.guard.held > 0 && !report.approval) return 'held';
  const failed =
    report.failures.total > 0 ||
    report.quarantined.total > 0 ||
    report.collisions > 0 ||
    !report.snapshot.complete;
  return failed ? 'partial' : 'completed';
}

export function summariseAction(action: PlanAction): ActionSummary {
  const summary: ActionSummary = { kind: action.kind, key: action.key, reason: action.reason };
  if ('identityId' in action && action.identityId) summary.identityId = action.identityId;
  if ('changed' in action) summary.changed = [...action.changed];
  if ('desired' in action) {
    if (action.desired.email) summary.email = action.desired.email;
    const name = displayName(action.desired.traits.name);
    if (name) summary.name = name;
  }
  return summary;
}

function displayName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const parts = ['first', 'given', 'last', 'family']
      .map((part) => (value as Record<string, unknown>)[part])
      .filter((part): part is string => typeof part === 'string' && part.length > 0);
    return parts.length ? parts.join(' ') : undefined;
  }
  return undefined;
}

/** Count a plan into the report: every action by kind (held and blocked ones included). */
export function tallyPlan(report: RunReport, actions: readonly PlanAction[]): void {
  for (const action of actions) {
    countFor(report, action.kind).planned += 1;
    if (action.kind === 'skip' && !action.reason.startsWith('stale')) report.collisions += 1;
  }
}

/** Count applied items into the report, and keep the failures (codes and value-free messages). */
export function tallyResults(
  report: RunReport,
  results: ReadonlyArray<{
    action: PlanAction;
    outcome: ItemOutcome;
    identityId?: string;
    error?: ReportError;
  }>,
): void {
  for (const result of results) {
    countFor(report, result.action.kind)[result.outcome] += 1;
    if (result.outcome !== 'failed') continue;
    const item: FailureItem = {
      kind: result.action.kind,
      key: result.action.key,
      error: result.error ?? { code: 'SYNC_ERR_KRATOS_REJECTED', message: 'failed without a reason' },
    };
    const identityId =
      result.identityId ?? ('identityId' in result.action ? result.action.identityId : undefined);
    if (identityId) item.identityId = identityId;
    addFailure(report, item);
  }
}
