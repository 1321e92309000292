import { readAuditForRun, type AuditEntry } from '../../../store/audit-store.ts';
import type { RunReport, SkippedItem } from '../../../domain/run-report.ts';
import type { PlanActionKind } from '../../../domain/plan.ts';
import { badge, formatCount, formatDuration, shortId, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { numColumn, table } from '../table.ts';
import { card, emptyState } from '../layout.ts';
import { lookupPeople } from '../readers/people-lookup.ts';
import { readPlanPage } from '../readers/plan-page.ts';
import { consoleHref, page, runHref, type ConsoleView } from '../view.ts';
import { decisionButtons } from './decision-buttons.ts';
import { changedCell, planTable } from './plan-table.ts';
import { statusBadge } from './runs-table.ts';

const PLAN_PAGE_SIZE = 100;
const AUDIT_LIMIT = 500;
const KINDS: PlanActionKind[] = ['create', 'update', 'adopt', 'reactivate', 'deactivate', 'delete', 'skip'];

export interface RunPageQuery {
  kind?: string | undefined;
  page?: string | undefined;
}

/** One run: its outcome, its plan (who, what, which fields, why), its quarantine, failures and audit. */
export async function runPage(view: ConsoleView, run: RunReport, query: RunPageQuery): Promise<SafeHtml> {
  const kind = KINDS.find((k) => k === query.kind);
  const pageNo = Math.max(1, Number.parseInt(query.page ?? '1', 10) || 1);
  const plannedOfKind = kind ? (run.counts[kind]?.planned ?? 0) : undefined;
  const [plan, held, audit] = await Promise.all([
    readPlanPage(view.runs, run.id, {
      ...(kind ? { kind, plannedOfKind } : {}),
      offset: (pageNo - 1) * PLAN_PAGE_SIZE,
      limit: PLAN_PAGE_SIZE,
    }),
    run.status === 'held' ? view.runs.readHeld(run.id) : Promise.resolve([]),
    readAuditForRun(view.ctx.redis, view.ctx.config.redis.prefix, run, AUDIT_LIMIT),
  ]);
  const unnamed = plan.entries.filter((e) => e.identityId && !e.name && !e.email).map((e) => e.identityId!);
  const people = await lookupPeople(view.ctx.kratos, unnamed);
  const heldIds = new Set(held.map((action) => `${action.kind}:${action.identityId}`));

  const filters = html`<nav class="filters" aria-label="Filter the plan">
    ${filterLink(view, run, undefined, 'all', kind === undefined)}
    ${KINDS.filter((k) => run.counts[k]?.planned).map((k) =>
      filterLink(view, run, k, `${k} ${formatCount(run.counts[k]!.planned)}`, kind === k),
    )}
  </nav>`;
  const pages = Math.max(1, Math.ceil(plan.total / PLAN_PAGE_SIZE));
  const pager =
    pages > 1 &&
    html`<div class="pager">
      ${pageNo > 1 && html`<a href="${planHref(view, run, kind, pageNo - 1)}">← newer</a>`}
      <span class="muted">page ${pageNo} of ${pages} · ${formatCount(plan.total)} entries</span>
      ${pageNo < pages && html`<a href="${planHref(view, run, kind, pageNo + 1)}">next →</a>`}
    </div>`;
  const planBody =
    plan.entries.length === 0
      ? emptyState(
          run.status === 'failed'
            ? 'The run failed before it planned anything.'
            : 'Nothing to do: everyone matches the source.',
        )
      : html`${planTable(plan.entries, people, { heldIds })}${pager}`;

  const content = html`<div class="crumbs">
      <a href="${consoleHref(view, '')}">Overview</a> / ${run.source} / run
    </div>
    <h1>Run <code>${run.id}</code> ${statusBadge(run)}</h1>
    ${undoLink(view, run)} ${notices(view, run)}
    ${card('Summary', html`<div class="body">${facts(view, run)}</div>`)} ${card('Plan', planBody, filters)}
    ${card(html`Quarantined records <span class="muted">(${formatCount(run.quarantined.total)})</span>`, quarantineBody(run))}
    ${run.failures.total > 0 && card(html`Failures <span class="muted">(${formatCount(run.failures.total)})</span>`, failuresBody(run))}
    ${run.approval?.skippedItems && card(html`Not removed at approval <span class="muted">(${formatCount(run.approval.skipped)})</span>`, skippedBody(run.approval.skippedItems))}
    ${card(html`Audit trail <span class="muted">(${formatCount(audit.length)}${audit.length === AUDIT_LIMIT ? '+' : ''})</span>`, auditBody(audit))}`;
  return page(view, `Run ${run.id}`, 'none', content);
}

function notices(view: ConsoleView, run: RunReport): SafeHtml {
  const parts: SafeHtml[] = [];
  if (run.status === 'running') {
    parts.push(html`<div class="notice info">This run is still going: reload the page to follow it.</div>`);
  }
  if (run.status === 'held') {
    parts.push(
      html`<div class="notice warn">
        <p>
          <strong>${formatCount(run.guard.held)} removals are held by the deletion guard</strong
          >${run.guard.reason && html`: ${run.guard.reason}`}. Nothing was deactivated or deleted. Approving
          re-checks each one against Kratos and the source as they are now, then applies those that still
          hold.
        </p>
        ${decisionButtons(view, run, 'run')}
      </div>`,
    );
  }
  if (run.approval) {
    const a = run.approval;
    parts.push(
      a.decision === 'approved'
        ? html`<div class="notice ok">
            Held removals <strong>approved</strong> ${timeCell(a.at, view.now)}: ${a.applied} applied,
            ${a.failed} failed, ${a.skipped} skipped.
          </div>`
        : html`<div class="notice info">
            Held removals <strong>rejected</strong> ${timeCell(a.at, view.now)}: nothing was removed.
          </div>`,
    );
  }
  if (run.guard.blocked > 0) {
    parts.push(
      html`<div class="notice warn">
        ${formatCount(run.guard.blocked)} removals were not
        applied${run.guard.reason && html`: ${run.guard.reason}`}.
      </div>`,
    );
  }
  if (!run.snapshot.complete && run.status !== 'running') {
    parts.push(
      html`<div class="notice warn">
        The source was not read
        completely${
          run.snapshot.error && html` (<code>${run.snapshot.error.code}</code> ${run.snapshot.error.message})`
        }:
        removals were not applied.
      </div>`,
    );
  }
  if (run.error) {
    parts.push(
      html`<div class="notice bad">The run failed: <code>${run.error.code}</code> ${run.error.message}</div>`,
    );
  }
  return html`${parts}`;
}

function facts(view: ConsoleView, run: RunReport): SafeHtml {
  const item = (label: string, value: unknown) =>
    html`<div>
      <dt>${label}</dt>
      <dd>${value as SafeHtml}</dd>
    </div>`;
  return html`<dl class="facts">
      ${item('Source', run.source)}${item('Trigger', run.trigger)}${run.by ? item('Started by', run.by) : ''}
      ${item('Started', timeCell(run.startedAt, view.now))}${item('Duration', formatDuration(run.durationMs))}
      ${item('Source records', formatCount(run.snapshot.records))}${item('Managed identities', formatCount(run.managed))}
      ${item('Unchanged', formatCount(run.unchanged))}${item('Collisions', formatCount(run.collisions))}
      ${item('Kratos calls', formatCount(run.kratosCalls.total))}${item('Hook errors', formatCount(run.hookErrors))}
    </dl>
    ${countsTable(run)}`;
}

function countsTable(run: RunReport): SafeHtml | '' {
  const kinds = KINDS.filter((k) => run.counts[k]);
  if (kinds.length === 0) return '';
  const rows = kinds.map((k) => {
    const c = run.counts[k]!;
    return html`<tr>
      <td>${badge(k)}</td>
      <td class="num">${formatCount(c.planned)}</td>
      <td class="num">${formatCount(c.applied)}</td>
      <td class="num ${c.failed ? 'bad' : 'zero'}">${formatCount(c.failed)}</td>
      <td class="num ${c.skipped ? 'warn' : 'zero'}">${formatCount(c.skipped)}</td>
    </tr>`;
  });
  const columns = [
    'Action',
    numColumn('Planned'),
    numColumn('Applied'),
    numColumn('Failed'),
    numColumn('Skipped'),
  ];
  return html`<h3>Actions</h3>
    ${table(columns, rows, { className: 'counts' })}`;
}

function quarantineBody(run: RunReport): SafeHtml {
  if (run.quarantined.total === 0) return emptyState('No record was quarantined.');
  const rows = run.quarantined.records.map(
    (r) =>
      html`<tr>
        <td><code>${r.key}</code></td>
        <td>${r.field ? html`<code>${r.field}</code>` : html`<span class="muted">—</span>`}</td>
        <td>${badge(r.rule, 'rule')}</td>
        <td class="wrap">${r.message}</td>
      </tr>`,
  );
  const truncated =
    run.quarantined.records.length < run.quarantined.total &&
    html`<div class="pager muted">
      Showing the first ${formatCount(run.quarantined.records.length)} of
      ${formatCount(run.quarantined.total)}.
    </div>`;
  return html`${table(['Key', 'Field', 'Rule', 'Reason'], rows)} ${truncated}`;
}

function failuresBody(run: RunReport): SafeHtml {
  const rows = run.failures.items.map(
    (f) =>
      html`<tr>
        <td>${badge(f.kind)}</td>
        <td><code>${f.key}</code></td>
        <td>${shortId(f.identityId)}</td>
        <td><code>${f.error.code}</code></td>
        <td class="wrap">${f.error.message}</td>
      </tr>`,
  );
  return table(['Action', 'Key', 'Identity', 'Code', 'Message'], rows);
}

/** Held removals the approval left alone (re-checked against Kratos and the source), and why. */
function skippedBody(items: readonly SkippedItem[]): SafeHtml {
  const rows = items.map(
    (i) =>
      html`<tr>
        <td>${badge(i.kind)}</td>
        <td><code>${i.key}</code></td>
        <td>${shortId(i.identityId)}</td>
        <td>${i.code ? html`<code>${i.code}</code>` : ''}</td>
        <td class="wrap">${i.reason}</td>
      </tr>`,
  );
  return table(['Action', 'Key', 'Identity', 'Code', 'Why'], rows);
}

function auditBody(entries: readonly AuditEntry[]): SafeHtml {
  if (entries.length === 0) return emptyState('No change was applied in this run.');
  const rows = entries.map(
    (e) =>
      html`<tr>
        <td class="nowrap">${timeCell(e.at)}</td>
        <td><code>${e.key}</code></td>
        <td>${shortId(e.identityId)}</td>
        <td>${badge(e.action)}</td>
        <td class="wrap">${changedCell(e.changed)}</td>
        <td>${badge(e.outcome)}</td>
        <td class="wrap">${e.error ? html`<code>${e.error.code}</code> ${e.error.message}` : ''}</td>
      </tr>`,
  );
  return table(['When', 'Key', 'Identity', 'Action', 'Changed fields', 'Outcome', 'Error'], rows);
}

function filterLink(
  view: ConsoleView,
  run: RunReport,
  kind: PlanActionKind | undefined,
  label: string,
  current: boolean,
) {
  return html`<a href="${planHref(view, run, kind, 1)}" aria-current="${current ? 'true' : 'false'}"
    >${label}</a
  >`;
}

function planHref(
  view: ConsoleView,
  run: RunReport,
  kind: PlanActionKind | undefined,
  pageNo: number,
): string {
  const params = new URLSearchParams();
  if (kind) params.set('kind', kind);
  if (pageNo > 1) params.set('page', String(pageNo));
  const query = params.toString();
  return `${runHref(view, run.id)}${query ? `?${query}` : ''}`;
}

/** An undo is offered for a finished run that applied something (an undo run itself is not undone). */
function undoLink(view: ConsoleView, run: RunReport): SafeHtml | '' {
  if (run.dryRun || run.trigger === 'undo' || run.status === 'running' || run.auditRanges.length === 0) {
    return run.undo
      ? html`<div class="notice info">
          This run undoes <a href="${runHref(view, run.undo.of)}"><code>${run.undo.of}</code></a
          >, asked by ${run.undo.by}${run.undo.statesOnly ? ' (states only: no before-images)' : ''};
          ${formatCount(run.undo.skipped.total)} people skipped${run.undo.skipped.total ? ':' : '.'}
          ${run.undo.skipped.items.slice(0, 20).map((s) => html`<div><code>${s.key}</code> ${s.action}: ${s.reason}</div>`)}
        </div>`
      : '';
  }
  return html`<div class="actions">
    <a class="button" href="${runHref(view, run.id)}/undo">Undo this run…</a>
  </div>`;
}
