import type { RunReport } from '../../../sync/report.ts';
import type { QuarantinedRecord } from '../../../sync/types.ts';

/** One quarantined record as it recurs over recent runs: the newest reason, where and how often. */
export interface QuarantineGroup {
  source: string;
  record: QuarantinedRecord;
  latestRunId: string;
  latestAt: string;
  firstAt: string;
  /** Runs (among those read) that quarantined this record for this rule and field. */
  runs: number;
}

/**
 * Quarantined records across recent runs, one row per (source, key, field, rule) so a record that fails in
 * every run shows once with "seen in N runs" instead of N times. Newest first.
 */
export function groupQuarantine(runsNewestFirst: readonly RunReport[]): QuarantineGroup[] {
  const groups = new Map<string, QuarantineGroup>();
  for (const run of runsNewestFirst) {
    for (const record of run.quarantined.records) {
      const id = JSON.stringify([run.source, record.key, record.field ?? '', record.rule]);
      const group = groups.get(id);
      if (group) {
        group.runs += 1;
        group.firstAt = run.startedAt;
      } else {
        groups.set(id, {
          source: run.source,
          record,
          latestRunId: run.id,
          latestAt: run.startedAt,
          firstAt: run.startedAt,
          runs: 1,
        });
      }
    }
  }
  return [...groups.values()];
}
