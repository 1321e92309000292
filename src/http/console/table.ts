import { html, type HtmlValue, type SafeHtml } from './html.ts';

/** A column header: its label, or the label of a right-aligned number column; false/undefined leave it out. */
export type Column = string | { label: string; num: true } | false | undefined;

/** A number column: right-aligned, like the `td class="num"` cells under it. */
export function numColumn(label: string): Column {
  return { label, num: true };
}

/**
 * The console's data table: one header row, then the rows the page built (`<tr>` each). Every list in the
 * console is drawn through here, so the markup (and the browser tests that read it) stays the same everywhere.
 */
export function table(
  columns: readonly Column[],
  rows: HtmlValue,
  options: { className?: string } = {},
): SafeHtml {
  const heads = columns.map((column) => {
    if (column === false || column === undefined) return '';
    return typeof column === 'string' ? html`<th>${column}</th>` : html`<th class="num">${column.label}</th>`;
  });
  return html`<table${options.className && html` class="${options.className}"`}>
    <thead>
      <tr>
        ${heads}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}
