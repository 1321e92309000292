import type { RunStore } from '../../../store/run-store.ts';
import type { ActionSummary } from '../../../domain/action-summary.ts';
import type { PlanActionKind } from '../../../domain/plan.ts';

export interface PlanPage {
  /** Entries matching the filter in the whole plan (from the run's counts when filtered by kind). */
  total: number;
  entries: ActionSummary[];
}

const SCAN_CHUNK = 1000;

/**
 * One page of a run's stored plan, optionally only one action kind. The run store keeps the plan as a list
 * in plan order without a per-kind index, so a filtered page scans it in chunks through `readPlan` and stops
 * as soon as the page is full; the filtered total comes from the report's counts (`planned` counts every
 * action of the plan, held ones included).
 */
export async function readPlanPage(
  runs: RunStore,
  runId: string,
  options: { kind?: PlanActionKind; plannedOfKind?: number; offset: number; limit: number },
): Promise<PlanPage> {
  const { kind, offset, limit } = options;
  if (!kind) return runs.readPlan(runId, { offset, limit });
  const entries: ActionSummary[] = [];
  let skipped = 0;
  for (let at = 0; ; at += SCAN_CHUNK) {
    const chunk = await runs.readPlan(runId, { offset: at, limit: SCAN_CHUNK });
    for (const entry of chunk.entries) {
      if (entry.kind !== kind) continue;
      if (skipped < offset) skipped += 1;
      else entries.push(entry);
      if (entries.length === limit) return { total: options.plannedOfKind ?? offset + limit, entries };
    }
    if (at + SCAN_CHUNK >= chunk.total) return { total: offset + entries.length, entries };
  }
}
