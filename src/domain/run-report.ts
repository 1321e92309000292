/**
 * The report of a run: what was planned, what was applied, what failed and why — counts, field names and
 * reasons only. No trait values are kept here (it is stored in Redis and shown in the console); the only
 * personal fields are the display `email`/`name` of each plan entry, so an operator can tell people apart.
 */
import type { PlanActionKind, QuarantinedRecord } from './plan.ts';

export type RunTrigger = 'cli' | 'schedule' | 'webhook' | 'api' | 'undo';
export type RunStatus = 'running' | 'completed' | 'partial' | 'held' | 'failed' | 'rejected';
export type ItemOutcome = 'applied' | 'failed' | 'skipped';

export interface ReportError {
  code: string;
  message: string;
}

export interface FailureItem {
  kind: PlanActionKind;
  key: string;
  identityId?: string;
  error: ReportError;
}

/** A held removal that approval left alone, and why (re-checked against Kratos and the source). */
export interface SkippedItem {
  kind: PlanActionKind;
  key: string;
  identityId?: string;
  /** Value-free: which check said no. */
  reason: string;
  /** The catalogue code, when the check failed rather than said no (e.g. the source could not answer). */
  code?: string;
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
  /** Who started the run when a person did in the console (`console:<user>`); the trigger says `api`. */
  by?: string;
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
    /** The held removals approval did not apply, and why (first REPORT_ITEM_LIMIT). Absent when none. */
    skippedItems?: SkippedItem[];
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
  by?: string;
  dryRun: boolean;
  startedAt: Date;
}): RunReport {
  return {
    id: fields.id,
    source: fields.source,
    trigger: fields.trigger,
    ...(fields.by ? { by: fields.by } : {}),
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
