import type { RunReport } from '../../../domain/run-report.ts';
import type { QuarantinedRecord } from '../../../domain/plan.ts';

/** One quarantined record as it recurs over recent runs: the newest reason, where and how often. */
export interface QuarantineGroup {
  source: string;
  record: QuarantinedRecord;
  latestRunId: string;
  latestAt: string;
  firstAt: string;
  /** Runs (among those read) that quarantined this record for this rule and field. */
  runs: number;
  /** The source's newest run still quarantined it (false: fixed in the source since). */
  current: boolean;
}

/**
 * Quarantined records across recent runs, one row per (source, key, field, rule) so a record that fails in
 * every run shows once with "seen in N runs" instead of N times. Newest first.
 */
export function groupQuarantine(runsNewestFirst: readonly RunReport[]): QuarantineGroup[] {
  const groups = new Map<string, QuarantineGroup>();
  const newestRun = new Map<string, string>();
  for (const run of runsNewestFirst) {
    if (!newestRun.has(run.source)) newestRun.set(run.source, run.id);
    // A run that failed before reading its source says nothing about whether a record was fixed.
    if (run.status === 'failed' && newestRun.get(run.source) === run.id) newestRun.delete(run.source);
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
          current: newestRun.get(run.source) === run.id,
        });
      }
    }
  }
  return [...groups.values()];
}
