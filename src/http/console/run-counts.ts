import type { RunReport } from '../../domain/run-report.ts';
import type { PlanActionKind } from '../../domain/plan.ts';

/** What a run changed, in the words of the console's columns. */
export interface RunChanges {
  created: number;
  /** Updates, adoptions and reactivations: an existing identity was rewritten. */
  updated: number;
  deactivated: number;
  deleted: number;
  quarantined: number;
  failed: number;
  /** Removals waiting for approval (only while the run is held). */
  held: number;
}

/** Applied counts (what really happened in Kratos), not planned ones: a held removal did not happen yet. */
export function runChanges(report: RunReport): RunChanges {
  const applied = (kind: PlanActionKind) => report.counts[kind]?.applied ?? 0;
  return {
    created: applied('create'),
    updated: applied('update') + applied('adopt') + applied('reactivate'),
    deactivated: applied('deactivate'),
    deleted: applied('delete'),
    quarantined: report.quarantined.total,
    failed: report.failures.total,
    held: report.status === 'held' ? report.guard.held : 0,
  };
}
