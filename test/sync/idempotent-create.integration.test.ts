import { afterEach, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import {
  people,
  simIdentitiesByKey,
  sourceSection,
  startHarness,
  type Harness,
  PROFILES,
  type ApiProfile,
} from './engine-harness.ts';
import { startLossyProxy, type LossyProxy } from './lossy-proxy.ts';

const isCreate = (method: string, path: string) =>
  (method === 'POST' || method === 'PATCH') && path.split('?')[0] === '/admin/identities';

describe('a create whose answer was lost', () => {
  let harness: Harness | undefined;
  let proxy: LossyProxy | undefined;
  afterEach(async () => {
    await harness?.release();
    await proxy?.stop();
    harness = undefined;
    proxy = undefined;
  });

  async function start(api: ApiProfile, source?: Record<string, unknown>) {
    harness = await startHarness({
      api,
      people: people(6),
      ...(source ? { source } : {}),
      adminUrl: async (simUrl) => {
        proxy = await startLossyProxy(simUrl, { lose: isCreate, times: 1 });
        return proxy.url;
      },
    });
    return harness;
  }

  it.each(PROFILES)('is resolved by lookup on %s, never duplicated', async (api) => {
    const h = await start(api);
    const report = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(proxy!.lost()).toBe(1);
    expect(report.status).toBe('completed');
    expect(report.counts.create).toEqual({ planned: 6, applied: 6, failed: 0, skipped: 0 });
    expect(h.sim.state.identities.size).toBe(6);
    expect(simIdentitiesByKey(h.sim).size).toBe(6);
    // Settled by looking the identities up: by external_id (v25.4+), by email identifier (v1.x: the lost
    // batch of six, one list call each), by a list scan + GET by id (v0.10, one lost single create).
    const calls = report.kratosCalls.byOperation;
    const { capabilities } = h.ctx.kratos;
    if (capabilities.externalIdLookup) expect(calls.getIdentityByExternalId).toBeGreaterThanOrEqual(1);
    else if (capabilities.credentialsIdentifierFilter) expect(calls).toMatchObject({ listIdentities: 1 + 6 });
    else expect(calls).toMatchObject({ listIdentities: 2, getIdentity: 1 });
    expect(calls.createIdentity ?? 0).toBe(capabilities.batchCreate ? 0 : 6);
    const again = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(again.unchanged).toBe(6);
    expect(again.counts).toEqual({});
  });

  it('is resolved by the email identifier on v26 when the mapping has no external_id', async () => {
    const mapping = { ...(sourceSection().mapping as Record<string, unknown>) };
    delete mapping.externalId;
    const h = await start('v26', { mapping });
    const report = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(proxy!.lost()).toBe(1);
    expect(report.counts.create).toEqual({ planned: 6, applied: 6, failed: 0, skipped: 0 });
    expect(h.sim.state.identities.size).toBe(6);
    expect(report.kratosCalls.byOperation.listIdentities).toBeGreaterThanOrEqual(2);
  });
});

describe('a create that conflicts with an identity kratos-sync does not manage', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('fails that person with SYNC_ERR_KRATOS_CONFLICT and creates the others (v26, external_id taken)', async () => {
    harness = await startHarness({ api: 'v26', people: people(4) });
    const squatter = await harness.ctx.kratos.createIdentity({
      schema_id: 'employee',
      traits: { email: 'someone@example.org', name: { first: 'Some', last: 'One' } },
      external_id: 'hr-E00002',
    });
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.status).toBe('partial');
    expect(report.counts.create).toEqual({ planned: 4, applied: 3, failed: 1, skipped: 0 });
    expect(report.failures.items).toEqual([
      expect.objectContaining({
        kind: 'create',
        key: 'E00002',
        error: expect.objectContaining({ code: 'SYNC_ERR_KRATOS_CONFLICT' }),
      }),
    ]);
    expect(report.failures.items[0]!.error.message).toContain(squatter.id);
    expect(harness.sim.identity(squatter.id)?.metadata_admin).toBeNull();
  });
});
