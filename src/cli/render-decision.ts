import type { DecisionResult } from '../sync/approve.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** Print an approve/reject outcome; exit partial when some approved removals failed. */
export function renderDecision(result: DecisionResult, json: boolean): ExitCode {
  if (json) {
    const { results, ...rest } = result;
    const items = results.map((r) => ({
      kind: r.action.kind,
      key: r.action.key,
      identityId: r.identityId,
      outcome: r.outcome,
      ...(r.error ? { error: r.error } : {}),
      ...(r.note ? { note: r.note } : {}),
    }));
    console.log(JSON.stringify({ ...rest, items }, null, 2));
  } else if (result.alreadyDecided) {
    console.log(`Run ${result.runId} is not waiting for a decision (status ${result.status}): nothing done.`);
  } else {
    console.log(
      `Run ${result.runId} ${result.decision}: ${result.applied} applied, ${result.failed} failed, ${result.skipped} skipped; status ${result.status}.`,
    );
    for (const r of result.results.filter((item) => item.outcome !== 'applied')) {
      const why = r.error ? `${r.error.code} — ${r.error.message}` : (r.note ?? '');
      console.log(`  ${r.outcome} ${r.action.kind} ${r.action.key} (${r.identityId ?? '-'}): ${why}`);
    }
  }
  return result.failed > 0 ? EXIT.partial : EXIT.ok;
}
