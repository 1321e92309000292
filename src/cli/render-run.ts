import Table from 'cli-table3';
import type { AuditEntry } from '../store/audit-store.ts';
import type { ActionSummary } from '../domain/action-summary.ts';
import type { RunReport } from '../domain/run-report.ts';
import type { PlanActionKind } from '../domain/plan.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** How many plan rows, quarantined records and failures a terminal shows before "… N more". */
const SHOWN = 50;
const KINDS: PlanActionKind[] = ['create', 'adopt', 'update', 'reactivate', 'deactivate', 'delete', 'skip'];

/**
 * A run's exit code: ok, held (removals wait for approval), partial (something quarantined, failed or in
 * collision), failure (the run failed, or the source could not be read completely).
 */
export function exitCodeFor(report: RunReport): ExitCode {
  if (report.status === 'failed' || !report.snapshot.complete) return EXIT.failure;
  if (report.status === 'held') return EXIT.held;
  if (report.status === 'partial') return EXIT.partial;
  return EXIT.ok;
}

/** The worst of several codes (several sources in one command). */
export function worstExit(codes: ExitCode[]): ExitCode {
  const rank: ExitCode[] = [EXIT.ok, EXIT.partial, EXIT.held, EXIT.failure, EXIT.usage];
  return codes.reduce<ExitCode>(
    (worst, code) => (rank.indexOf(code) > rank.indexOf(worst) ? code : worst),
    EXIT.ok,
  );
}

export function renderReport(report: RunReport): string {
  const lines = [
    `Run ${report.id}  source ${report.source}  ${report.dryRun ? 'DRY RUN  ' : ''}status ${report.status.toUpperCase()}`,
    `  started ${report.startedAt}${report.durationMs !== undefined ? `, took ${formatMs(report.durationMs)}` : ''}, trigger ${report.trigger}`,
    `  source: ${report.snapshot.records} records read, ${report.snapshot.desired} in scope and valid${report.snapshot.complete ? '' : ' — INCOMPLETE'}`,
    `  kratos: ${report.managed} managed identities, ${report.unchanged} unchanged, ${report.kratosCalls.total} API calls`,
  ];
  if (report.snapshot.error) lines.push(`  source error: ${report.snapshot.error.message}`);
  if (report.error) lines.push(`  run failed: ${report.error.code} — ${report.error.message}`);
  lines.push(countsTable(report));
  if (report.guard.reason) lines.push(`  guard: ${report.guard.reason}`);
  if (report.status === 'held') {
    lines.push(
      `  → review the removals, then: kratos-sync approve ${report.id}   or   kratos-sync reject ${report.id}`,
    );
  }
  if (report.approval) {
    const a = report.approval;
    lines.push(`  ${a.decision} at ${a.at}: ${a.applied} applied, ${a.failed} failed, ${a.skipped} skipped`);
  }
  if (report.collisions > 0)
    lines.push(`  ${report.collisions} person(s) skipped because of a collision (see the plan)`);
  for (const notice of report.notices ?? []) lines.push(`  note: ${notice}`);
  if (report.hookErrors > 0) lines.push(`  ${report.hookErrors} onboarding hook error(s) (see the logs)`);
  if (report.quarantined.total > 0) {
    lines.push(`Quarantined records (${report.quarantined.total}):`);
    for (const q of report.quarantined.records.slice(0, SHOWN)) {
      lines.push(`  ${q.key}${q.field ? ` [${q.field}]` : ''} ${q.rule}: ${q.message}`);
    }
    lines.push(...more(report.quarantined.total, SHOWN));
  }
  if (report.failures.total > 0) {
    lines.push(`Failures (${report.failures.total}):`);
    for (const f of report.failures.items.slice(0, SHOWN)) {
      lines.push(
        `  ${f.kind} ${f.key}${f.identityId ? ` (${f.identityId})` : ''}: ${f.error.code} — ${f.error.message}`,
      );
    }
    lines.push(...more(report.failures.total, SHOWN));
  }
  return lines.join('\n');
}

function countsTable(report: RunReport): string {
  const table = new Table({
    head: ['action', 'planned', 'applied', 'failed', 'skipped'],
    style: { head: [], border: [] },
  });
  for (const kind of KINDS) {
    const c = report.counts[kind];
    if (c) table.push([kind, c.planned, c.applied, c.failed, c.skipped]);
  }
  return table.length === 0 ? '  nothing to do' : table.toString();
}

/** The plan as a table: what would change and why. */
export function renderPlan(entries: readonly ActionSummary[], total = entries.length): string {
  if (total === 0) return 'No changes: Kratos already matches the source.';
  const table = new Table({
    head: ['action', 'key', 'person', 'identity', 'changed fields', 'why'],
    style: { head: [], border: [] },
    colWidths: [12, 14, 30, 38, 34, 44],
    wordWrap: true,
  });
  for (const e of entries.slice(0, SHOWN * 4)) {
    table.push([
      e.kind,
      e.key,
      [e.name, e.email].filter(Boolean).join('\n'),
      e.identityId ?? '',
      (e.changed ?? []).join(', '),
      e.reason,
    ]);
  }
  return [
    table.toString(),
    ...more(total, Math.min(entries.length, SHOWN * 4), ' (use --json for all)'),
  ].join('\n');
}

export function renderRunList(reports: readonly RunReport[]): string {
  if (reports.length === 0) return 'No runs yet.';
  const table = new Table({
    head: [
      'run',
      'source',
      'trigger',
      'status',
      'started',
      'took',
      'created',
      'updated',
      'removed',
      'failed',
      'quarantined',
    ],
    style: { head: [], border: [] },
  });
  for (const r of reports) {
    const applied = (kind: PlanActionKind) => r.counts[kind]?.applied ?? 0;
    table.push([
      r.id,
      r.source,
      r.trigger,
      r.status,
      r.startedAt,
      r.durationMs !== undefined ? formatMs(r.durationMs) : '',
      applied('create'),
      applied('update') + applied('adopt') + applied('reactivate'),
      applied('deactivate') + applied('delete'),
      r.failures.total,
      r.quarantined.total,
    ]);
  }
  return table.toString();
}

export function renderAudit(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'No audit entries.';
  const table = new Table({
    head: ['at', 'run', 'key', 'identity', 'action', 'changed fields', 'outcome'],
    style: { head: [], border: [] },
  });
  for (const e of entries) {
    const outcome = e.error ? `${e.outcome}: ${e.error.code}` : e.outcome;
    table.push([e.at, e.runId, e.key, e.identityId ?? '', e.action, e.changed.join(', '), outcome]);
  }
  return table.toString();
}

function more(total: number, shown: number, hint = ''): string[] {
  return total > shown ? [`  … ${total - shown} more${hint}`] : [];
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
