import { html, type HtmlValue, type SafeHtml } from './html.ts';

export type ConsoleSection =
  'overview' | 'held' | 'quarantine' | 'jobs' | 'receipts' | 'scim' | 'people' | 'none';

export interface PageFrame {
  title: string;
  section: ConsoleSection;
  /** The signed-in HTTP Basic user, shown in the header. */
  user: string;
  /** Where the console is mounted (`/console`). */
  base: string;
  /** Where the queue dashboard is mounted (`/admin/queues`). */
  queueDashboard: string;
  /** Asset version (changes with the stylesheet/script), so browsers never keep a stale one. */
  assetVersion: string;
}

/** The page shell: header with navigation, then the page's own content. */
export function layout(frame: PageFrame, content: HtmlValue): SafeHtml {
  const link = (section: ConsoleSection, path: string, label: string) =>
    html`<a href="${frame.base}${path}" ${frame.section === section ? html`aria-current="page"` : ''}
      >${label}</a
    >`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${frame.title} · kratos-sync console</title>
        <link rel="stylesheet" href="${frame.base}/assets/console.css?v=${frame.assetVersion}" />
        <script src="${frame.base}/assets/console.js?v=${frame.assetVersion}" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="${frame.base}">kratos-sync<small>console</small></a>
          <nav aria-label="Console">
            ${link('overview', '', 'Overview')} ${link('held', '/held', 'Held runs')}
            ${link('quarantine', '/quarantine', 'Quarantine')} ${link('jobs', '/jobs/failed', 'Failed jobs')}
            ${link('receipts', '/receipts', 'Offboarding receipts')} ${link('scim', '/scim', 'SCIM')}
            ${link('people', '/people', 'People')}
            <a class="external" href="${frame.queueDashboard}">Queue dashboard ↗</a>
          </nav>
          <span class="user">signed in as ${frame.user}</span>
        </header>
        <main>${content}</main>
      </body>
    </html> `;
}

/** A card: a titled box holding a table or a paragraph. */
export function card(title: HtmlValue, body: HtmlValue, extra: HtmlValue = ''): SafeHtml {
  return html`<section class="card">
    <header>
      <h2>${title}</h2>
      <span class="spacer"></span>${extra}
    </header>
    ${body}
  </section>`;
}

export function emptyState(text: string): SafeHtml {
  return html`<p class="empty">${text}</p>`;
}
