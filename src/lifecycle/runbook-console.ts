import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { RunbookProgress } from './offboard-runbook.ts';
import type { RunbookRow, RunbookSummary } from './runbook-report.ts';

/** Beyond this many people the table lists only those not offboarded (the JSON receipt has everyone). */
const FULL_TABLE_LIMIT = 100;

/**
 * Live progress: a bar on a terminal, a plain line every few seconds (and at the end) otherwise, so logs of
 * a CI job or a `| tee` stay readable.
 */
export function progressReporter(
  stream: NodeJS.WriteStream,
  total: number,
): {
  update(progress: RunbookProgress): void;
  stop(): void;
} {
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: 'offboarding [{bar}] {value}/{total} done, {failed} failed | {duration_formatted}',
      hideCursor: true,
    });
    bar.start(total, 0, { failed: 0 });
    return { update: (p) => bar.update(p.done, { failed: p.failed }), stop: () => bar.stop() };
  }
  let lastLine = 0;
  let last: RunbookProgress = { total, done: 0, failed: 0 };
  const print = (p: RunbookProgress) =>
    stream.write(`offboarding: ${p.done}/${p.total} done, ${p.failed} failed\n`);
  return {
    update(progress) {
      const changed = progress.done !== last.done || progress.failed !== last.failed;
      last = progress;
      if (changed && Date.now() - lastLine >= 2_000) {
        lastLine = Date.now();
        print(progress);
      }
    },
    stop: () => print(last),
  };
}

export function receiptTable(rows: RunbookRow[]): string {
  const shown = rows.length <= FULL_TABLE_LIMIT ? rows : rows.filter((r) => !r.done);
  const table = new Table({
    head: [
      'Person',
      'Key',
      'Identity',
      'Outcome',
      'Sessions revoked',
      'Verified',
      'Deactivated at',
      'Why not',
    ],
    style: { head: [], border: [] },
  });
  for (const row of shown) {
    table.push([
      row.input || row.origin,
      row.key ?? '',
      row.identityId ?? '',
      row.outcome,
      row.sessionsRevoked ?? '',
      row.verified === null ? '' : row.verified ? 'yes' : 'NO',
      row.deactivatedAt ?? '',
      row.why ?? '',
    ]);
  }
  const note =
    shown.length < rows.length
      ? `\n(${rows.length - shown.length} people offboarded are listed in the JSON receipt)`
      : '';
  return table.toString() + note;
}

export function summaryLine(summary: RunbookSummary, runbookId: string): string {
  return (
    `runbook ${runbookId}: ${summary.offboarded} of ${summary.requested} offboarded` +
    (summary.notOffboarded ? `, ${summary.notOffboarded} NOT offboarded` : '')
  );
}
