import { afterEach, describe, expect, it } from 'vitest';
import type { KratosClient } from '../../src/kratos/types.ts';
import { applyCreates } from '../../src/sync/apply-create.ts';
import { applyDepsFor } from '../../src/sync/apply-deps.ts';
import type { ItemResult } from '../../src/sync/apply-types.ts';
import { createAction } from './create-action.ts';
import { people, simIdentitiesByKey, startHarness, type Harness } from './engine-harness.ts';

/**
 * The real client against the simulator, watched: how many batch creates are in flight, and a promise per
 * batch that resolves once that batch has been sent.
 */
function watched(kratos: KratosClient) {
  let inFlight = 0;
  let maxInFlight = 0;
  const sent: Array<() => void> = [];
  const sentPromises = Array.from({ length: 10 }, (_, i) => new Promise<void>((r) => (sent[i] = r)));
  let count = 0;
  const client = Object.create(kratos) as KratosClient;
  client.batchCreateIdentities = async (bodies) => {
    sent[count++]?.();
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await kratos.batchCreateIdentities(bodies);
    } finally {
      inFlight--;
    }
  };
  return {
    client,
    sent: (i: number) => sentPromises[i]!,
    batches: () => count,
    maxInFlight: () => maxInFlight,
  };
}

/** Resolves true if `p` settles within `ms`, false otherwise (a deadlock shows as false, not a hung test). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('batch creates overlap the recording of the previous slice', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('sends the next batch while the previous slice is being recorded, one batch in flight at a time', async () => {
    harness = await startHarness({ api: 'v26', people: people(6), kratos: { batchSize: 2 } });
    const watch = watched(harness.ctx.kratos);
    const deps = { ...applyDepsFor(harness.ctx, 'hr'), kratos: watch.client };
    const recorded: ItemResult[][] = [];
    const overlapped: boolean[] = [];
    await applyCreates(
      deps,
      [1, 2, 3, 4, 5, 6].map((n) => createAction(n)),
      async (results) => {
        const slice = recorded.length;
        // While slice k is recorded, batch k+1 goes out (the last slice has no next batch).
        if (slice < 2) overlapped.push(await within(watch.sent(slice + 1), 10_000));
        recorded.push(results);
      },
    );
    expect(overlapped).toEqual([true, true]);
    expect(watch.batches()).toBe(3);
    expect(watch.maxInFlight()).toBe(1);
    // Slices are recorded in order, each with its own people, all created once.
    expect(recorded.map((slice) => slice.map((r) => [r.action.key, r.outcome]))).toEqual([
      [
        ['E00001', 'applied'],
        ['E00002', 'applied'],
      ],
      [
        ['E00003', 'applied'],
        ['E00004', 'applied'],
      ],
      [
        ['E00005', 'applied'],
        ['E00006', 'applied'],
      ],
    ]);
    expect(simIdentitiesByKey(harness.sim).size).toBe(6);
    expect(harness.sim.state.identities.size).toBe(6);
  });

  it('starts recording a slice only once the next batch has been handed to Kratos, so recording never delays it', async () => {
    harness = await startHarness({ api: 'v26', people: people(8), kratos: { batchSize: 2 } });
    const watch = watched(harness.ctx.kratos);
    const deps = { ...applyDepsFor(harness.ctx, 'hr'), kratos: watch.client };
    const sentWhenRecordingStarted: number[] = [];
    await applyCreates(
      deps,
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => createAction(n)),
      async () => {
        sentWhenRecordingStarted.push(watch.batches());
      },
    );
    // Slice k (from 0) starts recording after batch k+1 went out; the last slice has no batch after it.
    expect(sentWhenRecordingStarted).toEqual([2, 3, 4, 4]);
    expect(watch.maxInFlight()).toBe(1);
    expect(harness.sim.state.identities.size).toBe(8);
  });

  it('stops when a slice cannot be recorded, after recording the batch already sent, and sends no more', async () => {
    harness = await startHarness({ api: 'v26', people: people(8), kratos: { batchSize: 2 } });
    const watch = watched(harness.ctx.kratos);
    const deps = { ...applyDepsFor(harness.ctx, 'hr'), kratos: watch.client };
    const recorded: string[][] = [];
    const failure = new Error('audit trail unavailable');
    const run = applyCreates(
      deps,
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => createAction(n)),
      async (results) => {
        recorded.push(results.map((r) => `${r.action.key}:${r.outcome}`));
        if (recorded.length === 1) {
          await within(watch.sent(1), 10_000);
          throw failure;
        }
      },
    );
    await expect(run).rejects.toBe(failure);
    // Slice 2 was sent while slice 1 was recorded: it is recorded as well; slices 3 and 4 are never sent.
    expect(recorded).toEqual([
      ['E00001:applied', 'E00002:applied'],
      ['E00003:applied', 'E00004:applied'],
    ]);
    expect(watch.batches()).toBe(2);
    expect(harness.sim.state.identities.size).toBe(4);
  });
});
