import type { OffboardingReceipt } from '../../../domain/offboarding-receipt.ts';
import { badge, formatCount, formatDuration, shortId, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { numColumn, table } from '../table.ts';
import { card, emptyState } from '../layout.ts';
import { searchForm } from '../search-form.ts';
import { NAME_SEARCH_WINDOW, searchReceipts, type ReceiptHit } from '../readers/receipt-search.ts';
import { page, consoleHref, type ConsoleView } from '../view.ts';
import { personCell } from './plan-table.ts';

/** Offboarding receipts: the latest per person, searchable by person key, email or name. */
export async function receiptsPage(view: ConsoleView, query: string): Promise<SafeHtml> {
  const search = await searchReceipts(view.receipts, view.ctx.kratos, [...view.ctx.sources.keys()], query);
  const heading =
    search.by === 'recent'
      ? 'Most recent receipts'
      : html`Receipts matching “${query.trim()}”
          <span class="muted">(by ${search.by}, ${formatCount(search.hits.length)})</span>`;
  const body =
    search.hits.length === 0
      ? emptyState(search.by === 'recent' ? 'No one has been offboarded yet.' : 'No receipt matches.')
      : receiptsTable(search.hits);
  const content = html`<h1>Offboarding receipts</h1>
    ${searchForm(consoleHref(view, '/receipts'), query, { label: 'Person key, email or name', button: 'Search' })}
    <p class="muted">
      A person key is matched in every source; an email through the receipts' email index; a name against the
      ${NAME_SEARCH_WINDOW} most recent receipts whose identity still exists in Kratos.
    </p>
    ${card(heading, body)}`;
  return page(view, 'Offboarding receipts', 'receipts', content);
}

function receiptsTable(hits: readonly ReceiptHit[]): SafeHtml {
  const rows = hits.map(
    ({ receipt: r, person }) =>
      html`<tr>
        <td><code>${r.key}</code><br /><span class="muted">${r.source}</span></td>
        <td>${personCell({}, person)}</td>
        <td>${shortId(r.identityId)}</td>
        <td>${outcomeBadge(r)}${r.error && html`<br /><code>${r.error.code}</code>`}</td>
        <td class="wrap">${r.reason}</td>
        <td class="nowrap">${timeCell(r.leftAt)}</td>
        <td class="nowrap">${timeCell(r.deactivatedAt)}</td>
        <td class="num">${formatCount(r.sessionsRevoked)}</td>
        <td>${r.verified ? badge('verified', 'applied') : badge('not verified', 'failed')}</td>
        <td class="nowrap">${timeCell(r.deletedAt)}</td>
        <td class="num">
          ${r.terminationToRevocationMs === null ? '—' : formatDuration(r.terminationToRevocationMs)}
        </td>
      </tr>`,
  );
  return table(
    [
      'Person key',
      'Person',
      'Identity',
      'Outcome',
      'Reason',
      'Left',
      'Deactivated',
      numColumn('Sessions revoked'),
      'Verified',
      'Deleted',
      numColumn('Left → revoked'),
    ],
    rows,
  );
}

function outcomeBadge(receipt: OffboardingReceipt): SafeHtml {
  return badge(receipt.outcome, receipt.outcome === 'deleted' ? 'deleted-receipt' : receipt.outcome);
}
