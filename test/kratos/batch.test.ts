import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KratosError } from '../../src/kratos/errors.ts';
import type { CreateIdentityBody, KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, tag } from './support.ts';

/** Profiles with batch create: per-entry answers on v25.4+ and v1.3 (`v1`), all-or-nothing on v1.0. */
describe.each(['v26', 'v25.4', 'v1', 'v1.0'] as const)('batch create on %s', (api) => {
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

  it('returns index-aligned results with per-entry errors, or throws one conflict for an all-or-nothing batch', async () => {
    const t = tag();
    const existing = await client.createIdentity(employee(t, 0));
    const countBefore = sim.state.identities.size;
    const bodies = [
      employee(t, 1, { external_id: `ext-${t}-1` }),
      employee(t, 0), // email already used by `existing`
      employee(t, 3),
      employee(t, 3), // the same batch: the first one wins
    ];
    if (!client.capabilities.batchPerItemResults) {
      const err = await client.batchCreateIdentities(bodies).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KratosError);
      expect(err).toMatchObject({ status: 409, retryClass: 'conflict' });
      expect(sim.state.identities.size).toBe(countBefore); // nothing was created
      return;
    }
    const singlesBefore = client.callCounts().createIdentity ?? 0;
    const results = await client.batchCreateIdentities(bodies);
    // One batch request answered per entry: no fallback to single creates.
    expect(client.callCounts().createIdentity ?? 0).toBe(singlesBefore);
    expect(results).toHaveLength(4);
    expect(results[0]).toEqual({ ok: true, id: expect.any(String) });
    expect(results[1]).toMatchObject({ ok: false, status: 409 });
    expect(results[2]).toEqual({ ok: true, id: expect.any(String) });
    expect(results[3]).toMatchObject({ ok: false, status: 409 });
    const first = results[0] as { id: string };
    // external_id is sent only where Kratos has it: v1.x would refuse the whole batch with a 400.
    expect(sim.identity(first.id)?.external_id ?? null).toBe(
      client.capabilities.externalIdLookup ? `ext-${t}-1` : null,
    );
    expect(first.id).not.toBe(existing.id);
  });

  it('a schema-invalid entry fails alone where answers are per entry (v26 names the trait)', async () => {
    const t = tag();
    const bodies: CreateIdentityBody[] = [
      employee(t, 1),
      { schema_id: 'employee', traits: { email: `bad-${t}@example.com`, name: { first: 'No last name' } } },
    ];
    const singlesBefore = client.callCounts().createIdentity ?? 0;
    const results = await client.batchCreateIdentities(bodies);
    expect(results[1]).toMatchObject({ ok: false, status: 400 });
    // v1.3 and v25.4 repeat the generic message as the reason; v26 gives the schema error.
    if (api === 'v26') expect(results[1]).toMatchObject({ reason: expect.stringContaining('last') });
    // All-or-nothing servers refuse the batch with 400: the client sent each entry again on its own.
    expect(results[0]).toEqual({ ok: true, id: expect.any(String) });
    expect(client.callCounts().createIdentity ?? 0).toBe(singlesBefore);
  });

  it('answers per entry when every entry failed (200 with all errors), or throws a 409', async () => {
    const t = tag();
    await client.createIdentity(employee(t, 1));
    await client.createIdentity(employee(t, 2));
    if (!client.capabilities.batchPerItemResults) {
      await expect(client.batchCreateIdentities([employee(t, 1), employee(t, 2)])).rejects.toMatchObject({
        status: 409,
      });
      return;
    }
    const results = await client.batchCreateIdentities([employee(t, 1), employee(t, 2)]);
    expect(results).toEqual([
      expect.objectContaining({ ok: false, status: 409 }),
      expect.objectContaining({ ok: false, status: 409 }),
    ]);
  });

  it("refuses more than the server's limit (1000 from v25.4, 2000 before) before sending anything", async () => {
    const limit = client.capabilities.batchLimit;
    expect(limit).toBe(client.capabilities.externalIdLookup ? 1000 : 2000);
    const before = client.callCounts().batchCreateIdentities ?? 0;
    const bodies = Array.from({ length: limit + 1 }, (_, n) => employee('over', n));
    const err = await client.batchCreateIdentities(bodies).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KratosError);
    expect(err).toMatchObject({ retryClass: 'permanent', status: undefined });
    expect((err as Error).message).toContain(`${limit + 1} entries; Kratos accepts at most ${limit}`);
    expect(client.callCounts().batchCreateIdentities ?? 0).toBe(before);
  });

  it('creates exactly the limit in one request', async () => {
    const t = tag();
    const limit = client.capabilities.batchLimit;
    const before = client.callCounts().batchCreateIdentities ?? 0;
    const results = await client.batchCreateIdentities(
      Array.from({ length: limit }, (_, n) => employee(t, n)),
    );
    expect(results.filter((r) => r?.ok)).toHaveLength(limit);
    expect(client.callCounts().batchCreateIdentities! - before).toBe(1);
  });

  it('splits a batch refused as a whole (one bad state → 400) down to the bad entry, never one by one', async () => {
    const t = tag();
    const bodies: CreateIdentityBody[] = Array.from({ length: 64 }, (_, n) =>
      employee(t, n, n === 41 ? { state: 'suspended' as 'active' } : {}),
    );
    const singlesBefore = client.callCounts().createIdentity ?? 0;
    const batchesBefore = client.callCounts().batchCreateIdentities ?? 0;
    const results = await client.batchCreateIdentities(bodies);
    expect(results[41]).toMatchObject({ ok: false, status: 400 });
    expect(results.filter((r) => r?.ok)).toHaveLength(63);
    expect(new Set(results.flatMap((r) => (r?.ok ? [r.id] : []))).size).toBe(63);
    expect((client.callCounts().createIdentity ?? 0) - singlesBefore).toBe(0);
    // The whole batch, then two halves per level down to the one entry: 1 + 2 × log2(64) = 13.
    expect((client.callCounts().batchCreateIdentities ?? 0) - batchesBefore).toBe(13);
  });

  it('returns [] for an empty batch without a request', async () => {
    const before = client.callCounts().batchCreateIdentities ?? 0;
    expect(await client.batchCreateIdentities([])).toEqual([]);
    expect(client.callCounts().batchCreateIdentities ?? 0).toBe(before);
  });
});

describe('batch create on v0.10', () => {
  it('reports the capability as missing and refuses with a clear error, sending nothing', async () => {
    await using sim = await startKratosSim({ api: 'v0.10' });
    const client = await clientFor(sim);
    try {
      expect(client.capabilities.batchCreate).toBe(false);
      const err = await client.batchCreateIdentities([employee(tag(), 1)]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KratosError);
      expect((err as Error).message).toMatch(
        /batch create .* is not available on this server \(API generation v0\.10\)/,
      );
      expect(sim.stats().requests['PATCH /admin/identities']).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
