import { formatCount, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { numColumn, table } from '../table.ts';
import { card, emptyState } from '../layout.ts';
import { consoleHref, page, postButton, type ConsoleView } from '../view.ts';

const LISTED = 100;

/** Jobs that used up their attempts or failed for good, with Retry. */
export async function failedJobsPage(
  view: ConsoleView,
  flash: { retried?: string | undefined; missing?: string | undefined },
): Promise<SafeHtml> {
  const notice = html`${flash.retried && html`<div class="notice ok">Job <code>${flash.retried}</code> was sent back to the queue.</div>`}
  ${flash.missing && html`<div class="notice warn">Job <code>${flash.missing}</code> is no longer failed (retried already, or removed).</div>`}`;
  if (!view.failedJobs) {
    const body = emptyState('The queue is not connected to this console.');
    return page(
      view,
      'Failed jobs',
      'jobs',
      html`<h1>Failed jobs</h1>
        ${notice}${card('Failed jobs', body)}`,
    );
  }
  const [total, jobs] = await Promise.all([view.failedJobs.count(), view.failedJobs.list(LISTED)]);
  const rows = jobs.map(
    (job) =>
      html`<tr>
        <td><code>${job.id}</code></td>
        <td><code>${job.name}</code></td>
        <td>${job.subject || html`<span class="muted">—</span>`}</td>
        <td class="wrap">${job.failedReason}</td>
        <td class="num">${job.attemptsMade}</td>
        <td class="nowrap">${timeCell(job.failedAt, view.now)}</td>
        <td>
          ${postButton(view, consoleHref(view, `/jobs/${encodeURIComponent(job.id)}/retry`), 'Retry', {
            confirm: `Retry job ${job.id} (${job.name})?`,
          })}
        </td>
      </tr>`,
  );
  const body =
    jobs.length === 0
      ? emptyState('No failed job.')
      : table(['Job', 'Type', 'About', 'Why it failed', numColumn('Attempts'), 'Failed', ''], rows);
  const content = html`<h1>Failed jobs</h1>
    ${notice}
    <p class="muted">
      Transient failures are retried automatically with backoff; these are the jobs that failed for good or
      ran out of attempts. Retrying runs the job again from the start (every job is idempotent). The
      <a href="${view.frame.queueDashboard}">queue dashboard</a> shows every state.
    </p>
    ${card(html`Failed jobs <span class="muted">(${formatCount(total)}${total > jobs.length ? html`, newest ${jobs.length} shown` : ''})</span>`, body)}`;
  return page(view, 'Failed jobs', 'jobs', content);
}
