import type { FullSyncReport } from '../../../sync/run-full-sync.ts';
import { formatCount } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { card, emptyState } from '../layout.ts';
import { consoleHref, page, postButton, type ConsoleView } from '../view.ts';
import { planTable } from './plan-table.ts';

/** Plan rows shown in the preview (the counts above are exact). */
const SHOWN = 500;

/**
 * Before a full sync: what it does, and two buttons — preview its plan (a dry run, which reads the whole
 * source, so it is a POST and not this page's GET) or start it. Reads nothing itself.
 */
export function syncConfirmPage(view: ConsoleView, source: string): SafeHtml {
  const syncHref = consoleHref(view, `/sources/${encodeURIComponent(source)}/sync`);
  const content = html`${heading(view, source)}
    <div class="notice info">
      <p>
        A full sync reads every record of the source and every identity it manages, then creates, updates and
        removes identities to match. Removals pass the deletion guard as always. The preview shows the plan
        without changing anything.
      </p>
      <div class="actions">
        ${postButton(view, `${syncHref}/preview`, 'Preview the changes')}
        ${postButton(view, syncHref, 'Run the sync now', {
          tone: 'primary',
          confirm: `Run a full sync of source "${source}" now, without a preview?`,
        })}
        <a href="${consoleHref(view, '')}">Cancel</a>
      </div>
    </div>`;
  return page(view, `Sync ${source}`, 'none', content);
}

/**
 * A full sync's preview (a dry run: nothing written to Kratos or Redis) with one button that starts the
 * real run. Removals in the real run pass the guard as always.
 */
export function syncPreviewPage(view: ConsoleView, source: string, preview: FullSyncReport): SafeHtml {
  const plan = preview.plan ?? [];
  const changes = plan.filter((entry) => entry.kind !== 'skip').length;
  const counts = Object.entries(preview.counts)
    .filter(([, c]) => c.planned > 0)
    .map(([kind, c]) => `${formatCount(c.planned)} ${kind}`);
  const blocked = !preview.snapshot.complete;
  const content = html`${heading(view, source)}
    <div class="notice ${blocked ? 'warn' : 'info'}">
      <p>
        Preview (nothing changed): ${formatCount(preview.snapshot.records)} records read,
        ${formatCount(preview.unchanged)} unchanged,
        <strong>${counts.length ? counts.join(', ') : 'no changes'}</strong>,
        ${formatCount(preview.quarantined.total)} quarantined.
        ${blocked && html`The source was not read completely: a run would remove no one.`}
        ${preview.guard.reason && html`Guard: ${preview.guard.reason}.`}
      </p>
      <div class="actions">
        ${postButton(
          view,
          consoleHref(view, `/sources/${encodeURIComponent(source)}/sync`),
          'Run the sync now',
          {
            tone: 'primary',
            confirm: `Run a full sync of source "${source}" now (${counts.join(', ') || 'no changes'})?`,
          },
        )}
        <a href="${consoleHref(view, '')}">Cancel</a>
      </div>
    </div>
    ${card(
      html`Plan
        <span class="muted"
          >(${formatCount(changes)} changes${plan.length > SHOWN ? `, first ${SHOWN} shown` : ''})</span
        >`,
      plan.length
        ? planTable(plan.slice(0, SHOWN), new Map())
        : emptyState('Nothing to do: everyone matches the source.'),
    )}`;
  return page(view, `Sync ${source}`, 'none', content);
}

/** Where the sync pages sit, and what they ask. */
function heading(view: ConsoleView, source: string): SafeHtml {
  return html`<div class="crumbs"><a href="${consoleHref(view, '')}">Overview</a> / ${source} / sync</div>
    <h1>Sync source <code>${source}</code>?</h1>`;
}
