import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBatchCreate } from '../../src/kratos/batch-create.ts';
import type { CreateIdentityBody, KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, tag } from './support.ts';

/**
 * A batch create serialised ahead of sending (`prepareBatchCreate`, done while the batch before it is in
 * flight) sends that text: the same identities as an unprepared batch, the server's external-id rule
 * applied, and a refused batch still split into fresh halves.
 */
describe.each(['v26', 'v1'] as const)('a prepared batch create on %s', (api) => {
  let sim: KratosSim;
  let client: KratosClient;

  beforeAll(async () => {
    sim = await startKratosSim({ api });
    client = await clientFor(sim);
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it('creates what the same unprepared batch creates, in one request', async () => {
    const t = tag();
    const bodies = [1, 2, 3].map((n) => employee(t, n, { external_id: `ext-${t}-${n}` }));
    prepareBatchCreate(client.capabilities, bodies);
    const before = client.callCounts().batchCreateIdentities ?? 0;
    const results = await client.batchCreateIdentities(bodies);
    expect(client.callCounts().batchCreateIdentities! - before).toBe(1);
    expect(results.map((r) => r?.ok)).toEqual([true, true, true]);
    for (const [n, result] of results.entries()) {
      const stored = sim.identity((result as { id: string }).id)!;
      expect(stored.traits).toEqual(bodies[n]!.traits);
      // external_id only where this Kratos stores it (v1.x would refuse the whole batch with a 400).
      expect(stored.external_id ?? null).toBe(
        client.capabilities.externalIdLookup ? `ext-${t}-${n + 1}` : null,
      );
    }
  });

  it('sends the text made when it was prepared (serialised once, not again at sending)', async () => {
    const t = tag();
    const bodies = [employee(t, 1), employee(t, 2)];
    prepareBatchCreate(client.capabilities, bodies);
    // Not how callers use it (a prepared batch is not changed), but it shows which text went out.
    (bodies[1]!.traits as { name: { last: string } }).name.last = 'Changed after preparing';
    const results = await client.batchCreateIdentities(bodies);
    const stored = sim.identity((results[1] as { id: string }).id)!;
    expect(stored.traits).toEqual(employee(t, 2).traits);
  });

  it('is used once: the same array sent again is serialised afresh', async () => {
    const t = tag();
    const bodies = [employee(t, 1)];
    prepareBatchCreate(client.capabilities, bodies);
    await client.batchCreateIdentities(bodies);
    // A second send of this array (a caller retrying by hand) sends what the array now holds.
    bodies[0] = employee(t, 2);
    const [again] = await client.batchCreateIdentities(bodies);
    expect(sim.identity((again as { id: string }).id)!.traits).toEqual(employee(t, 2).traits);
  });

  it('a prepared batch refused as a whole (one bad state → 400) is split into halves down to the bad entry', async () => {
    const t = tag();
    const bodies: CreateIdentityBody[] = Array.from({ length: 8 }, (_, n) =>
      employee(t, n, n === 5 ? { state: 'suspended' as 'active' } : {}),
    );
    prepareBatchCreate(client.capabilities, bodies);
    const before = client.callCounts().batchCreateIdentities ?? 0;
    const results = await client.batchCreateIdentities(bodies);
    expect(results[5]).toMatchObject({ ok: false, status: 400 });
    expect(results.filter((r) => r?.ok)).toHaveLength(7);
    // The whole batch, then two halves per level down to the one entry: 1 + 2 × log2(8) = 7.
    expect(client.callCounts().batchCreateIdentities! - before).toBe(7);
  });
});

describe('a batch prepared for another kind of server', () => {
  it('is serialised again for this one: external_id kept where the server stores it', async () => {
    await using sim = await startKratosSim({ api: 'v26' });
    const client = await clientFor(sim);
    try {
      const t = tag();
      const bodies = [employee(t, 1, { external_id: `ext-${t}-1` })];
      // Prepared as for a v1.x server, which has no external_id: the field would be left out.
      prepareBatchCreate({ ...client.capabilities, externalIdLookup: false }, bodies);
      const [result] = await client.batchCreateIdentities(bodies);
      expect(sim.identity((result as { id: string }).id)?.external_id).toBe(`ext-${t}-1`);
    } finally {
      await client.close();
    }
  });
});
