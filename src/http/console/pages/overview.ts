import { createDeliveryStore } from '../../../store/delivery-store.ts';
import type { RunReport } from '../../../domain/run-report.ts';
import { changesChart } from '../changes-chart.ts';
import { badge, formatCount, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { card, emptyState } from '../layout.ts';
import { consoleHref, page, runHref, type ConsoleView } from '../view.ts';
import { runsTable } from './runs-table.ts';
import { UNCERTAIN_ROWS, uncertainInvitesCard } from './uncertain-invites.ts';

/** Runs per source read for the overview (chart and table). */
const RUNS_PER_SOURCE = 30;
const TABLE_ROWS = 12;

/** The landing page: what needs a human now, then each source's recent runs and changes over time. */
export async function overviewPage(view: ConsoleView): Promise<SafeHtml> {
  const sources = [...view.ctx.sources.keys()];
  const bySource = await Promise.all(
    sources.map(async (source) => ({
      source,
      runs: await view.runs.list({ source, limit: RUNS_PER_SOURCE }),
    })),
  );
  const all = bySource.flatMap(({ runs }) => runs);
  const held = all.filter((run) => run.status === 'held');
  const quarantined = bySource.reduce((sum, { runs }) => sum + (runs[0]?.quarantined.total ?? 0), 0);
  const failedJobs = view.failedJobs ? await view.failedJobs.count() : null;
  const uncertain = await createDeliveryStore({
    redis: view.ctx.redis,
    prefix: view.ctx.config.redis.prefix,
    now: () => view.now,
  }).listUncertain(UNCERTAIN_ROWS);
  const unhealthy = bySource.filter(
    ({ runs }) => runs[0] && !['completed', 'running'].includes(runs[0].status),
  );

  const tiles = html`<div class="tiles">
    ${tile(view, '/held', 'Runs held for approval', held.length, held.length > 0 ? 'warn' : 'ok')}
    ${tile(view, '/jobs/failed', 'Failed jobs', failedJobs, failedJobs ? 'bad' : 'ok')}
    ${tile(view, '/quarantine', 'Quarantined in latest runs', quarantined, quarantined > 0 ? 'warn' : 'ok')}
    ${tile(view, '', 'Sources needing attention', unhealthy.length, unhealthy.length > 0 ? 'warn' : 'ok', `of ${sources.length}`)}
  </div>`;
  const heldNotice =
    held.length > 0 &&
    html`<div class="notice warn">
      <strong
        >${held.length === 1 ? '1 run is' : `${held.length} runs are`} held by the deletion guard.</strong
      >
      Their removals wait for a decision: <a href="${consoleHref(view, '/held')}">review held runs</a>.
    </div>`;
  const sections = bySource.map(({ source, runs }) => sourceCard(view, source, runs));
  return page(
    view,
    'Overview',
    'overview',
    html`<h1>Overview</h1>
      ${heldNotice}${tiles}${uncertain.length > 0 && uncertainInvitesCard(view, uncertain)}${sections}`,
  );
}

function tile(
  view: ConsoleView,
  path: string,
  label: string,
  value: number | null,
  tone: string,
  suffix = '',
): SafeHtml {
  return html`<a class="tile ${value === null ? '' : tone}" href="${consoleHref(view, path)}">
    <div class="label">${label}</div>
    <div class="value">
      ${value === null ? html`<span class="muted">n/a</span>` : formatCount(value)}${
        suffix && html` <span class="muted">${suffix}</span>`
      }
    </div></a
  >`;
}

function sourceCard(view: ConsoleView, source: string, runs: readonly RunReport[]): SafeHtml {
  const latest = runs[0];
  const lastGood = runs.find((run) => run.status === 'completed');
  const kind = view.ctx.sources.get(source)?.config.connection.type;
  const syncLink = html`<a
    class="button"
    href="${consoleHref(view, `/sources/${encodeURIComponent(source)}/sync`)}"
    >Sync now…</a
  >`;
  const extra = html`${syncLink} ${kind && html`<span class="chip">${kind}</span>`}
    ${latest ? html`<span class="muted">last run</span> ${badge(latest.status)}` : ''}
    <span class="muted">last completed</span>
    ${lastGood ? timeCell(lastGood.startedAt, view.now) : html`<span class="muted">never</span>`}`;
  if (!latest) return card(html`Source <code>${source}</code>`, emptyState('No runs yet.'), extra);
  const body = html`${changesChart(runs, (id) => runHref(view, id))}${runsTable(view, runs.slice(0, TABLE_ROWS))}`;
  return card(html`Source <code>${source}</code>`, body, extra);
}
