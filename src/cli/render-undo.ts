import Table from 'cli-table3';
import { COUNTED_AS } from '../sync/undo-apply.ts';
import type { UndoOutcome } from '../sync/run-undo.ts';
import { planSummary } from '../sync/run-undo.ts';
import { renderReport } from './render-run.ts';

/** Rows shown before "… N more". */
const SHOWN = 50;

/** The undo plan as a table (kinds, keys, ids and reasons: never values), then the undo run's report. */
export function renderUndo(outcome: UndoOutcome): string {
  const { plan } = outcome;
  const lines = [
    `Undo of run ${plan.run.id} (source ${plan.run.source}, ${plan.run.trigger}, ${plan.run.startedAt})${outcome.report ? '' : '  DRY RUN'}`,
  ];
  for (const notice of plan.notices) lines.push(`  note: ${notice}`);
  const counts = new Map<string, number>();
  for (const step of plan.steps) counts.set(step.kind, (counts.get(step.kind) ?? 0) + 1);
  lines.push(
    `  plan: ${[...counts].map(([kind, n]) => `${n} ${kind}`).join(', ') || 'nothing to undo'}` +
      `; ${plan.skipped.length} skipped`,
  );
  // No colours: CLI output shows control characters as escapes (terminal-output.ts).
  const table = new Table({ head: ['undo', 'key', 'identity', 'why'], style: { head: [], border: [] } });
  const rows = [
    ...plan.steps.map((s) => [s.kind, s.key, s.identityId, s.reason]),
    ...plan.skipped.map((s) => [`skip (${s.action})`, s.key, s.identityId ?? '', s.reason]),
  ];
  for (const row of rows.slice(0, SHOWN)) table.push(row);
  if (rows.length) lines.push(table.toString());
  if (rows.length > SHOWN) lines.push(`  … ${rows.length - SHOWN} more (--json lists all)`);
  if (outcome.report) lines.push('', renderReport(outcome.report));
  else lines.push('  nothing was changed (dry run); run without --dry-run to apply');
  return lines.join('\n');
}

export function undoJson(outcome: UndoOutcome) {
  return {
    of: outcome.plan.run.id,
    source: outcome.plan.run.source,
    dryRun: !outcome.report,
    statesOnly: outcome.plan.statesOnly,
    notices: outcome.plan.notices,
    plan: planSummary(outcome.plan).map((entry) => ({ ...entry })),
    counted: COUNTED_AS,
    ...(outcome.report ? { run: outcome.report } : {}),
  };
}
