import type { KratosSim } from '../../kratos-sim/index.ts';
import type { FullSyncReport } from '../../../src/sync/run-full-sync.ts';
import { runFullSync } from '../../../src/sync/run-full-sync.ts';
import type { SyncContext } from '../../../src/sync/context.ts';

/**
 * Runs full syncs until one finds nothing left to do (completed, no action planned), as the schedule would
 * over several ticks. Returns every report; throws if it has not converged after `maxRuns`.
 */
export async function syncUntilConverged(
  ctx: SyncContext,
  options: { maxRuns: number; source?: string },
): Promise<FullSyncReport[]> {
  const reports: FullSyncReport[] = [];
  for (let run = 1; run <= options.maxRuns; run++) {
    const report = await runFullSync(ctx, options.source ?? 'hr', { trigger: 'schedule' });
    reports.push(report);
    const planned = Object.values(report.counts).reduce((sum, c) => sum + (c?.planned ?? 0), 0);
    if (report.status === 'completed' && planned === 0) return reports;
  }
  const summary = reports.map((r) => `${r.status} ${JSON.stringify(r.counts)} ${r.error?.code ?? ''}`);
  throw new Error(`no convergence after ${options.maxRuns} runs:\n${summary.join('\n')}`);
}

export interface ManagedView {
  id: string;
  state: string;
  traits: Record<string, unknown>;
}

/**
 * Every identity in the simulator that carries a kratos-sync marker, grouped by person key — so a test can
 * assert "exactly one identity per person" (no duplicate) and "nobody missing" in one comparison.
 */
export function identitiesByKey(sim: KratosSim): Map<string, ManagedView[]> {
  const byKey = new Map<string, ManagedView[]>();
  for (const identity of sim.state.identities.values()) {
    const marker = (identity.metadata_admin as { kratos_sync?: { key?: string } } | null)?.kratos_sync;
    const key = marker?.key ?? '(unmarked)';
    const list = byKey.get(key) ?? [];
    list.push({ id: identity.id, state: identity.state, traits: identity.traits as Record<string, unknown> });
    byKey.set(key, list);
  }
  return byKey;
}
