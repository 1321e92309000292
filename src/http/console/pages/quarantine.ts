import { badge, formatCount, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { numColumn, table } from '../table.ts';
import { card, emptyState } from '../layout.ts';
import { groupQuarantine } from '../readers/quarantine-across-runs.ts';
import { consoleHref, page, postButton, runHref, type ConsoleView } from '../view.ts';

/** Recent runs whose quarantined records are gathered here (all sources). */
const RUNS_READ = 50;

/** Records kept out of recent runs, with the rule and the reason, once per record however often it recurs. */
export async function quarantinePage(view: ConsoleView): Promise<SafeHtml> {
  const runs = await view.runs.list({ limit: RUNS_READ });
  const groups = groupQuarantine(runs);
  const rows = groups.map(
    (g) =>
      html`<tr>
        <td>${g.source}</td>
        <td><code>${g.record.key}</code></td>
        <td>${g.record.field ? html`<code>${g.record.field}</code>` : html`<span class="muted">—</span>`}</td>
        <td>${badge(g.record.rule, 'rule')}</td>
        <td class="wrap">${g.record.message}</td>
        <td class="nowrap">
          <a href="${runHref(view, g.latestRunId)}">${timeCell(g.latestAt, view.now)}</a>
        </td>
        <td class="num">${formatCount(g.runs)}</td>
        <td>${g.current ? badge('still quarantined', 'partial') : badge('fixed since', 'completed')}</td>
        <td>
          ${postButton(
            view,
            consoleHref(
              view,
              `/people/${encodeURIComponent(g.source)}/${encodeURIComponent(g.record.key)}/sync`,
            ),
            'Retry',
            {
              confirm: `Read ${g.record.key} from source "${g.source}" again and sync it now?`,
            },
          )}
        </td>
      </tr>`,
  );
  const body =
    groups.length === 0
      ? emptyState('No record was quarantined in the recent runs.')
      : table(
          ['Source', 'Key', 'Field', 'Rule', 'Reason', 'Last quarantined', numColumn('Runs'), 'Now', ''],
          rows,
        );
  const content = html`<h1>Quarantine</h1>
    <p class="muted">
      Source records that could not be mapped or validated were kept out of their run; everyone else synced.
      Fix the record in the source and the next run picks it up, or Retry it now (one person's sync). Gathered
      from the last ${RUNS_READ} runs.
    </p>
    ${card(html`Quarantined records <span class="muted">(${formatCount(groups.length)})</span>`, body)}`;
  return page(view, 'Quarantine', 'quarantine', content);
}
