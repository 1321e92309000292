import type { ReceiptStore } from '../../store/receipt-store.ts';
import type { RunStore } from '../../store/run-store.ts';
import type { SyncContext } from '../../sync/context.ts';
import { CSRF_FIELD } from './csrf.ts';
import type { FailedJobAccess } from './failed-job-access.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, type ConsoleSection, type PageFrame } from './layout.ts';

/** What a page renders from: the engine context, the stores, and this request's user and CSRF token. */
export interface ConsoleView {
  ctx: SyncContext;
  runs: RunStore;
  receipts: ReceiptStore;
  failedJobs: FailedJobAccess | undefined;
  frame: Omit<PageFrame, 'title' | 'section'>;
  csrfToken: string;
  now: Date;
}

export function page(view: ConsoleView, title: string, section: ConsoleSection, content: SafeHtml): SafeHtml {
  return layout({ ...view.frame, title, section }, content);
}

export function consoleHref(view: ConsoleView, path: string): string {
  return `${view.frame.base}${path}`;
}

export function runHref(view: ConsoleView, runId: string): string {
  return consoleHref(view, `/runs/${encodeURIComponent(runId)}`);
}

/**
 * A one-button POST form carrying the CSRF token. `confirm` is asked by the console script before sending
 * (the action still works without script, just without the question).
 */
export function postButton(
  view: ConsoleView,
  action: string,
  label: string,
  options: { confirm?: string; tone?: 'primary' | 'danger'; fields?: Record<string, string> } = {},
): SafeHtml {
  const fields = Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  );
  return html`<form
    method="post"
    action="${action}"
    ${options.confirm ? html`data-confirm="${options.confirm}"` : ''}
  >
    <input type="hidden" name="${CSRF_FIELD}" value="${view.csrfToken}" />${fields}
    <button type="submit" class="${options.tone ?? ''}">${label}</button>
  </form>`;
}
