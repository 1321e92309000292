import { html, type SafeHtml } from './html.ts';

/**
 * A console search box: a GET form to `action` whose `q` holds the query as the operator typed it (shown
 * again after the search, escaped like every value).
 */
export function searchForm(action: string, q: string, options: { label: string; button: string }): SafeHtml {
  return html`<form class="search" method="get" action="${action}" role="search">
    <input type="search" name="q" value="${q}" placeholder="${options.label}" aria-label="${options.label}" />
    <button type="submit">${options.button}</button>
  </form>`;
}
