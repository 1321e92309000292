import type { ItemResult } from '../../src/sync/apply-types.ts';
import {
  addAuditRange,
  addFailure,
  countFor,
  failureItemOf,
  mergeCalls,
} from '../../src/domain/run-report-tally.ts';
import {
  REPORT_ITEM_LIMIT,
  type ActionCounts,
  type AuditRange,
  type FailureItem,
  type RunReport,
} from '../../src/domain/run-report.ts';
import type { PlanActionKind } from '../../src/domain/plan.ts';

/** What one apply chunk did, value-free (the chunk job's result, kept in Redis with the job). */
export interface ChunkTally {
  counts: Partial<Record<PlanActionKind, Pick<ActionCounts, 'applied' | 'failed' | 'skipped'>>>;
  failures: { total: number; items: FailureItem[] };
  auditRanges: AuditRange[];
  hookErrors: number;
  kratosCalls: { total: number; byOperation: Record<string, number> };
}

export function emptyTally(): ChunkTally {
  return {
    counts: {},
    failures: { total: 0, items: [] },
    auditRanges: [],
    hookErrors: 0,
    kratosCalls: { total: 0, byOperation: {} },
  };
}

export function tallyItems(
  results: readonly ItemResult[],
  extra: {
    auditRange: AuditRange | null;
    hookErrors: number;
    kratosCalls: { total: number; byOperation: Record<string, number> };
  },
): ChunkTally {
  const tally = emptyTally();
  for (const result of results) {
    const counts = (tally.counts[result.action.kind] ??= { applied: 0, failed: 0, skipped: 0 });
    counts[result.outcome] += 1;
    if (result.outcome !== 'failed') continue;
    tally.failures.total += 1;
    if (tally.failures.items.length < REPORT_ITEM_LIMIT) tally.failures.items.push(failureItemOf(result));
  }
  if (extra.auditRange) tally.auditRanges.push(extra.auditRange);
  tally.hookErrors = extra.hookErrors;
  tally.kratosCalls = extra.kratosCalls;
  return tally;
}

export function mergeTally(into: ChunkTally, from: ChunkTally): ChunkTally {
  for (const [kind, counts] of Object.entries(from.counts) as Array<[PlanActionKind, ActionCounts]>) {
    const target = (into.counts[kind] ??= { applied: 0, failed: 0, skipped: 0 });
    target.applied += counts.applied;
    target.failed += counts.failed;
    target.skipped += counts.skipped;
  }
  into.failures.total += from.failures.total;
  for (const item of from.failures.items) {
    if (into.failures.items.length < REPORT_ITEM_LIMIT) into.failures.items.push(item);
  }
  into.auditRanges.push(...from.auditRanges);
  into.hookErrors += from.hookErrors;
  into.kratosCalls.total += from.kratosCalls.total;
  for (const [operation, count] of Object.entries(from.kratosCalls.byOperation)) {
    into.kratosCalls.byOperation[operation] = (into.kratosCalls.byOperation[operation] ?? 0) + count;
  }
  return into;
}

/** Fold a chunk's tally into the run report (as `tallyResults` does for an in-process apply). */
export function addTallyToReport(report: RunReport, tally: ChunkTally): void {
  for (const [kind, counts] of Object.entries(tally.counts) as Array<[PlanActionKind, ActionCounts]>) {
    const target = countFor(report, kind);
    target.applied += counts.applied;
    target.failed += counts.failed;
    target.skipped += counts.skipped;
  }
  for (const item of tally.failures.items) addFailure(report, item);
  // Failures beyond the kept items still count.
  report.failures.total += tally.failures.total - tally.failures.items.length;
  for (const range of tally.auditRanges) addAuditRange(report, range, true);
  report.hookErrors += tally.hookErrors;
  mergeCalls(report, tally.kratosCalls);
}
