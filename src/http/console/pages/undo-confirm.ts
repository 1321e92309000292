import { planSummary } from '../../../sync/run-undo.ts';
import type { UndoPlan } from '../../../sync/undo-plan.ts';
import { formatCount } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { card, emptyState } from '../layout.ts';
import { consoleHref, page, postButton, runHref, type ConsoleView } from '../view.ts';
import type { PersonLabel } from '../readers/people-lookup.ts';
import { planTable } from './plan-table.ts';

/**
 * The confirmation before an undo: what it would do to whom and why, who it leaves alone and why (changed
 * since the run), and one button that applies it. Nothing here changes anything; the plan is a dry run.
 */
export function undoConfirmPage(
  view: ConsoleView,
  plan: UndoPlan,
  people: ReadonlyMap<string, PersonLabel> = new Map(),
): SafeHtml {
  const run = plan.run;
  const entries = planSummary(plan);
  const deactivations = plan.steps.filter((s) => s.kind === 'deactivate').length;
  const counts = ['reactivate', 'recreate', 'restore', 'deactivate']
    .map((kind) => [kind, plan.steps.filter((s) => s.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${formatCount(n)} ${kind}`);
  const content = html`<div class="crumbs">
      <a href="${consoleHref(view, '')}">Overview</a> / ${run.source} /
      <a href="${runHref(view, run.id)}">run</a> / undo
    </div>
    <h1>Undo run <code>${run.id}</code>?</h1>
    ${plan.notices.map((notice) => html`<div class="notice warn">${notice}</div>`)}
    <div class="notice info">
      <p>
        <strong>${counts.length ? counts.join(', ') : 'Nothing to undo'}</strong>;
        ${formatCount(plan.skipped.length)} skipped (changed since the run, or nothing kept to restore).
        ${
          deactivations > 0 &&
          html`Deactivations pass the source's deletion guard: over its limits they are held for approval.`
        }
        The source is not changed: fix it first, or the next sync plans the same changes again.
      </p>
      ${
        plan.steps.length > 0 &&
        html`<div class="actions">
          ${postButton(
            view,
            `${runHref(view, run.id)}/undo`,
            `Undo ${formatCount(plan.steps.length)} changes`,
            {
              tone: 'danger',
              confirm: `Undo run ${run.id} of source "${run.source}": ${counts.join(', ')}?`,
            },
          )}
          <a href="${runHref(view, run.id)}">Cancel</a>
        </div>`
      }
    </div>
    ${card(
      html`Undo plan <span class="muted">(${formatCount(entries.length)})</span>`,
      entries.length ? planTable(entries, people) : emptyState('The run applied nothing that can be undone.'),
    )}`;
  return page(view, `Undo run ${run.id}`, 'none', content);
}
