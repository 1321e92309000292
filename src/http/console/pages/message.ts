import { html, type SafeHtml } from '../html.ts';
import { consoleHref, page, type ConsoleView } from '../view.ts';

/** A page that says one thing (not found, refused, failed) and links back. */
export function messagePage(
  view: ConsoleView,
  title: string,
  text: string,
  tone: 'warn' | 'bad' = 'warn',
): SafeHtml {
  return page(
    view,
    title,
    'none',
    html`<h1>${title}</h1>
      <div class="notice ${tone}">${text}</div>
      <p><a href="${consoleHref(view, '')}">Back to the overview</a></p>`,
  );
}
