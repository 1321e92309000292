import type { ActionSummary } from '../../../domain/action-summary.ts';
import { badge, shortId } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { table } from '../table.ts';
import type { PersonLabel } from '../readers/people-lookup.ts';

/** Plan entries: who, what happens to them, which fields change, and why. */
export function planTable(
  entries: readonly ActionSummary[],
  people: ReadonlyMap<string, PersonLabel>,
  options: { heldIds?: ReadonlySet<string> } = {},
): SafeHtml {
  const rows = entries.map((entry) => {
    const held = entry.identityId !== undefined && options.heldIds?.has(`${entry.kind}:${entry.identityId}`);
    return html`<tr>
      <td class="nowrap">${badge(entry.kind)}${held && html` ${badge('held')}`}</td>
      <td><code>${entry.key}</code></td>
      <td>${personCell(entry, entry.identityId ? people.get(entry.identityId) : undefined)}</td>
      <td>${shortId(entry.identityId)}</td>
      <td class="wrap">${changedCell(entry.changed)}</td>
      <td class="wrap">${entry.reason}</td>
    </tr>`;
  });
  return table(['Action', 'Key', 'Person', 'Identity', 'Changed fields', 'Why'], rows);
}

/** Name and email from the plan (creates, updates) or from Kratos (removals carry neither). */
export function personCell(
  known: { name?: string | undefined; email?: string | undefined },
  looked: PersonLabel | undefined,
): SafeHtml {
  const name = known.name ?? looked?.name;
  const email = known.email ?? looked?.email;
  if (!name && !email) {
    return looked?.gone ? html`<span class="muted">identity gone</span>` : html`<span class="muted">—</span>`;
  }
  return html`${name ?? ''}${name && email && html`<br />`}${email && html`<span class="muted">${email}</span>`}`;
}

export function changedCell(changed: readonly string[] | undefined): SafeHtml {
  if (!changed || changed.length === 0) return html`<span class="muted">—</span>`;
  return html`${changed.map((field) => html`<span class="chip">${field}</span>`)}`;
}
