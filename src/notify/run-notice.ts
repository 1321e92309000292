import type { NotifyConfig, NotifyEvent } from '../config/sections/notify.ts';
import type { RunReport } from '../domain/run-report.ts';

/** What an operator is told about one run: which outcome, and why in one line. */
export interface RunNotice {
  event: NotifyEvent;
  reason: string;
}

/**
 * Whether a stored report is worth telling someone about — a pure decision, made on every save:
 * - `held`: removals wait for approve/reject (the guard's reason);
 * - `failed`: the run stopped (its error) — unless the queue has already scheduled another attempt;
 * - `partial`: the source could not be read in full (always), or quarantined + failed records exceed
 *   `notify.partialAbove` (a fraction of the records read, or a count).
 * Dry runs, running runs, completed runs and runs a person already decided (approved or rejected: they are
 * looking at it) are not announced.
 */
export function noticeFor(
  report: RunReport,
  options: Pick<NotifyConfig, 'on' | 'partialAbove'>,
): RunNotice | null {
  if (report.dryRun || report.approval) return null;
  const notice = classify(report, options.partialAbove);
  return notice && options.on.includes(notice.event) ? notice : null;
}

function classify(report: RunReport, partialAbove: NotifyConfig['partialAbove']): RunNotice | null {
  switch (report.status) {
    case 'held':
      return {
        event: 'held',
        reason: report.guard.reason ?? `${report.guard.held} removal(s) wait for approval (deletion guard)`,
      };
    case 'failed':
      if (report.retryScheduled) return null;
      return {
        event: 'failed',
        reason: report.error ? `${report.error.code}: ${report.error.message}` : 'the run failed',
      };
    case 'partial':
      return partialNotice(report, partialAbove);
    default:
      return null;
  }
}

function partialNotice(report: RunReport, limit: NotifyConfig['partialAbove']): RunNotice | null {
  if (!report.snapshot.complete) {
    const why = report.snapshot.error
      ? `${report.snapshot.error.code}: ${report.snapshot.error.message}`
      : 'the source was not read in full';
    return { event: 'partial', reason: `${why}; no one was deactivated or deleted` };
  }
  const problems = report.quarantined.total + report.failures.total;
  if (problems === 0) return null;
  const records = report.snapshot.records;
  const share = records > 0 ? problems / records : 1;
  const overCount = limit.count !== undefined && problems > limit.count;
  const overFraction = share > limit.fraction;
  if (!overCount && !overFraction) return null;
  const percent = (share * 100).toFixed(share < 0.1 ? 1 : 0);
  const bound = overFraction
    ? `notify.partialAbove.fraction ${limit.fraction}`
    : `notify.partialAbove.count ${limit.count}`;
  return {
    event: 'partial',
    reason:
      `${report.quarantined.total} record(s) quarantined and ${report.failures.total} failed, ` +
      `${percent} % of ${records} read (above ${bound})`,
  };
}
