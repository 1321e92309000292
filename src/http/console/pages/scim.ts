import type { ScimInboundConnection } from '../../../config/sections/scim-inbound.ts';
import type { ScimRequestEntry } from '../../scim/scim-request-log.ts';
import { createScimRequestLog } from '../../scim/scim-request-log.ts';
import { badge, formatCount, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { numColumn, table } from '../table.ts';
import { card, emptyState } from '../layout.ts';
import { page, runHref, type ConsoleView } from '../view.ts';

/** Requests shown per source. */
const RECENT = 50;

/**
 * The SCIM clients of every scim-inbound source (name, how many tokens are valid, rate limit) and the
 * source's recent requests: who, what, when, the answer and what the engine did. No tokens and no
 * attribute values: the request log never holds them.
 */
export async function scimPage(view: ConsoleView): Promise<SafeHtml> {
  const log = createScimRequestLog(view.ctx.redis, view.ctx.config.redis.prefix);
  const sections: SafeHtml[] = [];
  for (const [name, source] of Object.entries(view.ctx.config.sources)) {
    if (source.connection.type !== 'scim-inbound') continue;
    const recent = await log.recent(name, RECENT);
    sections.push(
      card(html`Source <code>${name}</code>: clients`, clientsTable(source.connection)),
      card(
        html`Source <code>${name}</code>: recent requests`,
        recent.length === 0 ? emptyState('No SCIM request yet.') : requestsTable(view, recent),
      ),
    );
  }
  const content = html`<h1>SCIM provisioning</h1>
    ${sections.length === 0 ? emptyState('No source of type scim-inbound is configured.') : sections}`;
  return page(view, 'SCIM provisioning', 'scim', content);
}

function clientsTable(connection: ScimInboundConnection): SafeHtml {
  const rows = connection.clients.map(
    (client) =>
      html`<tr>
        <td><code>${client.name}</code></td>
        <td class="num">${formatCount(client.tokens.length)}</td>
        <td>
          ${formatCount(client.rateLimit.requests)} per ${formatCount(client.rateLimit.windowSeconds)} s
        </td>
      </tr>`,
  );
  return table(['client', numColumn('valid tokens'), 'rate limit'], rows);
}

function requestsTable(view: ConsoleView, entries: readonly ScimRequestEntry[]): SafeHtml {
  const rows = entries.map(
    (e) =>
      html`<tr>
        <td class="nowrap">${timeCell(e.at, view.now)}</td>
        <td><code>${e.client}</code></td>
        <td><code>${e.method}</code> ${e.resource}</td>
        <td>${e.id ? html`<code>${e.id}</code>` : '—'}</td>
        <td>${badge(String(e.status), e.status < 400 ? 'applied' : 'failed')}</td>
        <td class="num">${formatCount(e.ms)} ms</td>
        <td>${e.outcome ?? '—'}</td>
        <td>${e.runId ? html`<a href="${runHref(view, e.runId)}">${e.runId}</a>` : '—'}</td>
      </tr>`,
  );
  return table(['at', 'client', 'request', 'id', 'status', numColumn('time'), 'engine', 'run'], rows);
}
