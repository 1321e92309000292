import type { RunReport } from '../../../domain/run-report.ts';
import { badge, formatCount, shortId, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { table } from '../table.ts';
import { card, emptyState } from '../layout.ts';
import { lookupPeople } from '../readers/people-lookup.ts';
import { page, runHref, type ConsoleView } from '../view.ts';
import { decisionButtons } from './decision-buttons.ts';
import { personCell } from './plan-table.ts';

/** Runs read to find the held ones (all sources, newest first). */
const RUNS_SCANNED = 100;
/** Held removals listed per run here; the run's page pages through all of them. */
const SHOWN_PER_RUN = 100;

/** Runs the deletion guard stopped, each with its held removals and Approve / Reject. */
export async function heldPage(view: ConsoleView): Promise<SafeHtml> {
  const held = (await view.runs.list({ limit: RUNS_SCANNED })).filter((run) => run.status === 'held');
  const cards = await Promise.all(held.map((run) => heldCard(view, run)));
  const content = html`<h1>Held runs</h1>
    <p class="muted">
      The deletion guard holds a run's deactivations and deletions when they exceed the configured fraction or
      count, or asks for a decision. Approving applies them with the same re-checks as
      <code>kratos-sync approve</code>; rejecting removes nothing.
    </p>
    ${cards.length === 0 ? card('Nothing is waiting', emptyState('No run is held for approval.')) : cards}`;
  return page(view, 'Held runs', 'held', content);
}

async function heldCard(view: ConsoleView, run: RunReport): Promise<SafeHtml> {
  const actions = await view.runs.readHeld(run.id);
  const shown = actions.slice(0, SHOWN_PER_RUN);
  const people = await lookupPeople(
    view.ctx.kratos,
    shown.map((a) => a.identityId),
  );
  const rows = shown.map(
    (a) =>
      html`<tr>
        <td>${badge(a.kind)}</td>
        <td><code>${a.key}</code></td>
        <td>${personCell({}, people.get(a.identityId))}</td>
        <td>${shortId(a.identityId)}</td>
        <td class="wrap">${a.reason}</td>
      </tr>`,
  );
  const more =
    actions.length > shown.length &&
    html`<div class="pager">
      <a href="${runHref(view, run.id)}">See all ${formatCount(actions.length)} on the run page</a>
    </div>`;
  const title = html`<code>${run.source}</code> ·
    <a href="${runHref(view, run.id)}">run ${timeCell(run.startedAt, view.now)}</a>`;
  const body = html`<div class="body">
      <p>${formatCount(run.guard.held)} removals held${run.guard.reason && html`: ${run.guard.reason}`}.</p>
      ${decisionButtons(view, run, 'held')}
    </div>
    ${table(['Action', 'Key', 'Person', 'Identity', 'Why'], rows)} ${more}`;
  return card(title, body, badge('held'));
}
