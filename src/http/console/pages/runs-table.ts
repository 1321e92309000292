import type { RunReport } from '../../../domain/run-report.ts';
import { badge, countCell, formatDuration, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { numColumn, table } from '../table.ts';
import { runChanges } from '../run-counts.ts';
import { runHref, type ConsoleView } from '../view.ts';

/** Recent runs, one row each: when, how it was started, how it ended, what it changed, how long it took. */
export function runsTable(
  view: ConsoleView,
  runs: readonly RunReport[],
  options: { source?: boolean } = {},
): SafeHtml {
  const rows = runs.map((run) => {
    const c = runChanges(run);
    return html`<tr>
      <td class="nowrap"><a href="${runHref(view, run.id)}">${timeCell(run.startedAt, view.now)}</a></td>
      ${options.source && html`<td>${run.source}</td>`}
      <td>${run.trigger}</td>
      <td>${statusBadge(run)}</td>
      ${countCell(c.created)}${countCell(c.updated)}${countCell(c.deactivated)}${countCell(c.deleted)}
      ${countCell(c.quarantined, 'warn')}${countCell(c.failed, 'bad')}
      <td class="num">${formatDuration(run.durationMs)}</td>
    </tr>`;
  });
  return table(
    [
      'Started',
      options.source && 'Source',
      'Trigger',
      'Outcome',
      numColumn('Created'),
      numColumn('Updated'),
      numColumn('Deactivated'),
      numColumn('Deleted'),
      numColumn('Quarantined'),
      numColumn('Failed'),
      numColumn('Duration'),
    ],
    rows,
  );
}

/** The outcome badge, with the number of removals waiting when the run is held. */
export function statusBadge(run: RunReport): SafeHtml {
  if (run.status === 'held') return badge(`held · ${run.guard.held} removals`, 'held');
  return badge(run.status);
}
