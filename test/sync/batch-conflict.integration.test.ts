import { afterEach, describe, expect, it } from 'vitest';
import { ONE_BY_ONE_LOOKUPS } from '../../src/sync/apply-resolve.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { people, simIdentitiesByKey, startHarness, type Harness } from './engine-harness.ts';
import { startLossyProxy, type LossyProxy } from './lossy-proxy.ts';

const isBatch = (method: string, path: string) =>
  method === 'PATCH' && path.split('?')[0] === '/admin/identities';

/**
 * Identities that appear after the run listed Kratos and before it creates: one of ours (an earlier attempt
 * created it, then the marker index and the listing missed it) and one nobody manages holding a person's
 * email. On v1.0–v1.2 the batch then fails as a whole with 409; on v1.3+ per entry.
 */
describe.each(['v26', 'v25.4', 'v1', 'v1.0'] as const)(
  'a batch create that meets existing identities on %s',
  (api) => {
    let harness: Harness | undefined;
    let proxy: LossyProxy | undefined;
    afterEach(async () => {
      await harness?.release();
      await proxy?.stop();
      harness = undefined;
      proxy = undefined;
    });

    async function start(count: number): Promise<Harness> {
      let planted = false;
      const h = await startHarness({
        api,
        people: people(count),
        adminUrl: async (simUrl) => {
          proxy = await startLossyProxy(simUrl, {
            lose: () => false,
            times: 0,
            before: async (method, path) => {
              if (planted || !isBatch(method, path)) return;
              planted = true;
              await plant(h!);
            },
          });
          return proxy.url;
        },
      });
      harness = h;
      return h;
    }

    async function plant(h: Harness): Promise<void> {
      await h.ctx.kratos.createIdentity({
        schema_id: 'employee',
        traits: { email: 'person2@example.com', name: { first: 'First2', last: 'Last2' } },
        metadata_admin: { kratos_sync: { source: 'hr', key: 'E00002' } },
      });
      await h.ctx.kratos.createIdentity({
        schema_id: 'employee',
        traits: { email: 'person4@example.com', name: { first: 'Some', last: 'One' } },
      });
    }

    it('creates the rest without duplicates, adopts our own, fails only the taken one', async () => {
      const h = await start(6);
      const report = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
      expect(report.status).toBe('partial');
      expect(report.counts.create).toEqual({ planned: 6, applied: 5, failed: 1, skipped: 0 });
      expect(report.failures.items).toEqual([
        expect.objectContaining({
          key: 'E00004',
          error: expect.objectContaining({ code: 'SYNC_ERR_KRATOS_CONFLICT' }),
        }),
      ]);
      // Four created, person 2's planted identity (not a second one) and the unmanaged squatter.
      expect(h.sim.state.identities.size).toBe(6);
      expect(simIdentitiesByKey(h.sim).size).toBe(5);
      const calls = report.kratosCalls.byOperation;
      // Never one by one (the only single creates are the test's two): one batch answered per entry, or a refused batch and one more with the other four.
      expect(calls.createIdentity ?? 0).toBe(2); // the two planted by the test itself
      expect(calls.batchCreateIdentities).toBe(h.ctx.kratos.capabilities.batchPerItemResults ? 1 : 2);

      // The next run sees the squatter while listing: a collision for a person, not another create.
      const again = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
      expect(again.counts.create).toBeUndefined();
      expect(again.collisions).toBe(1);
      expect(h.sim.state.identities.size).toBe(6);
    });

    it(`finds the existing entries of a big refused batch with one list pass, not ${ONE_BY_ONE_LOOKUPS + 10} lookups`, async () => {
      const count = ONE_BY_ONE_LOOKUPS + 10;
      const h = await start(count);
      const report = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
      expect(report.counts.create).toEqual({ planned: count, applied: count - 1, failed: 1, skipped: 0 });
      expect(h.sim.state.identities.size).toBe(count);
      const calls = report.kratosCalls.byOperation;
      if (h.ctx.kratos.capabilities.batchPerItemResults) {
        // Two entries answered 409: each looked up on its own.
        expect(calls).toMatchObject({ batchCreateIdentities: 1 });
      } else {
        // The listing of the run, one pass over the list for the refused batch, two batches.
        expect(calls).toMatchObject({ batchCreateIdentities: 2, listIdentities: 2 });
      }
      expect(calls.createIdentity ?? 0).toBe(2); // the two planted by the test itself
    });
  },
);
