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
  let lastAt = 0;
  let printed = '';
  let latest = `offboarding: 0/${total} done, 0 failed`;
  const print = () => {
    if (latest === printed) return;
    printed = latest;
    stream.write(`${latest}\n`);
  };
  return {
    update(progress) {
      latest = `offboarding: ${progress.done}/${progress.total} done, ${progress.failed} failed`;
      if (Date.now() - lastAt >= 2_000) {
        lastAt = Date.now();
        print();
      }
    },
    stop: print,
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
