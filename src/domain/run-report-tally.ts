/** Counting a run's plan, results, failures and Kratos calls into its report (capped lists, exact totals). */
import type { PlanAction, PlanActionKind, QuarantinedRecord } from './plan.ts';
import {
  REPORT_ITEM_LIMIT,
  type ActionCounts,
  type AuditRange,
  type FailureItem,
  type ItemOutcome,
  type ReportError,
  type RunReport,
} from './run-report.ts';

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

/** Count a plan into the report: every action by kind (held and blocked ones included). */
export function tallyPlan(report: RunReport, actions: readonly PlanAction[]): void {
  for (const action of actions) {
    countFor(report, action.kind).planned += 1;
    if (action.kind === 'skip' && !action.reason.startsWith('stale')) report.collisions += 1;
  }
}

/** One applied item, as the report counts it. */
export interface TalliedResult {
  action: PlanAction;
  outcome: ItemOutcome;
  identityId?: string;
  error?: ReportError;
}

/** A failed item as the report keeps it: kind, key, the identity it touched, a code and value-free message. */
export function failureItemOf(result: Omit<TalliedResult, 'outcome'>): FailureItem {
  const item: FailureItem = {
    kind: result.action.kind,
    key: result.action.key,
    error: result.error ?? { code: 'SYNC_ERR_KRATOS_REJECTED', message: 'failed without a reason' },
  };
  const identityId =
    result.identityId ?? ('identityId' in result.action ? result.action.identityId : undefined);
  if (identityId) item.identityId = identityId;
  return item;
}

/** Count applied items into the report, and keep the failures (codes and value-free messages). */
export function tallyResults(report: RunReport, results: readonly TalliedResult[]): void {
  for (const result of results) {
    countFor(report, result.action.kind)[result.outcome] += 1;
    if (result.outcome === 'failed') addFailure(report, failureItemOf(result));
  }
}
