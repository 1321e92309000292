import { afterEach, describe, expect, it } from 'vitest';
import { buildContext } from '../../src/app/build-context.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { undoRun } from '../../src/sync/run-undo.ts';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { people } from '../sync/engine-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Traits, metadata and state of every identity, by external id (what undo must bring back). */
function stateOf(h: RuntimeHarness): Map<string, string> {
  const out = new Map<string, string>();
  for (const identity of h.sim.state.identities.values())
    out.set(
      String(identity.external_id),
      JSON.stringify([identity.traits, identity.metadata_public, identity.metadata_admin, identity.state]),
    );
  return out;
}

describe('undo of a run applied by queue workers in chunks', () => {
  it('the chunks keep before-images, so the run is undone to the exact earlier state', async () => {
    const h = (harness = await startRuntimeHarness({
      people: people(250),
      source: { guard: { maxRemoveFraction: 1, maxRemoveCount: 1000 } },
      config: { undo: { key: 'queued-run-undo-key-0123456789abcdefghij' } },
    }));
    await h.startReplica(['worker'], 'replica-a');
    await h.startReplica(['worker'], 'replica-b');
    expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');

    h.writePeople(
      people(250).map((p, i) =>
        i < 120
          ? { ...p, last: `Moved${i}`, updated: '2026-06-01T00:00:00Z' }
          : i >= 200
            ? { ...p, status: 'terminated', updated: '2026-06-01T00:00:00Z' }
            : p,
      ),
    );
    const before = stateOf(h);
    const { job, state } = await h.waitForJob(await h.enqueueFullSync());
    expect(state).toBe('completed');
    const run = job.returnvalue as SyncFullResult;
    expect(run.chunks).toBeGreaterThan(1);
    expect(run.counts.update?.applied).toBe(120);
    expect(run.counts.deactivate?.applied).toBe(50);

    await using built = await buildContext({
      config: h.config,
      baseDir: h.dir,
      logger: silentLogger(),
      redis: h.redis,
    });
    const { plan, report } = await undoRun(built.ctx, run.runId, { by: 'test' });
    expect(plan.statesOnly).toBe(false);
    expect(plan.skipped).toEqual([]);
    expect(report!.counts.update?.applied).toBe(120);
    expect(report!.counts.reactivate?.applied).toBe(50);
    expect(stateOf(h)).toEqual(before);
  }, 120_000);
});
