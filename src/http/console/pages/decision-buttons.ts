import { formatCount } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { RunReport } from '../../../domain/run-report.ts';
import { runHref, postButton, type ConsoleView } from '../view.ts';

/** Approve / Reject for a held run; `back` says which page the redirect returns to. */
export function decisionButtons(view: ConsoleView, run: RunReport, back: 'run' | 'held'): SafeHtml {
  const count = formatCount(run.guard.held);
  return html`<div class="actions">
    ${postButton(view, `${runHref(view, run.id)}/approve`, `Approve ${count} removals`, {
      tone: 'primary',
      confirm: `Apply ${count} held removals of source "${run.source}"? Each is re-checked against Kratos first.`,
      fields: { back },
    })}
    ${postButton(view, `${runHref(view, run.id)}/reject`, 'Reject', {
      tone: 'danger',
      confirm: `Reject the held removals of source "${run.source}"? Nothing will be removed.`,
      fields: { back },
    })}
  </div>`;
}
