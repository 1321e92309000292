import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KratosError } from '../../src/kratos/errors.ts';
import type { CreateIdentityBody, KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, tag } from './support.ts';

describe('batch create on v26', () => {
  let sim: KratosSim;
  let client: KratosClient;

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
    client = await clientFor(sim);
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it('returns index-aligned results with per-entry errors (200 with partial failure)', async () => {
    const t = tag();
    const existing = await client.createIdentity(employee(t, 0));
    const results = await client.batchCreateIdentities([
      employee(t, 1, { external_id: `ext-${t}-1` }),
      employee(t, 0), // email already used by `existing`
      { schema_id: 'employee', traits: { email: `bad-${t}@example.com`, name: { first: 'No last name' } } },
      employee(t, 3),
      employee(t, 3), // the same batch: the first one wins
    ]);
    expect(results).toHaveLength(5);
    expect(results[0]).toEqual({ ok: true, id: expect.any(String) });
    expect(results[1]).toMatchObject({ ok: false, status: 409 });
    expect(results[2]).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining('last') });
    expect(results[3]).toEqual({ ok: true, id: expect.any(String) });
    expect(results[4]).toMatchObject({ ok: false, status: 409 });
    const first = results[0] as { id: string };
    expect(sim.identity(first.id)?.external_id).toBe(`ext-${t}-1`);
    expect(first.id).not.toBe(existing.id);
    expect(client.callCounts().batchCreateIdentities).toBeGreaterThanOrEqual(1);
  });

  it('answers per entry when every entry failed (200 with all errors)', async () => {
    const t = tag();
    await client.createIdentity(employee(t, 1));
    await client.createIdentity(employee(t, 2));
    const results = await client.batchCreateIdentities([employee(t, 1), employee(t, 2)]);
    expect(results).toEqual([
      expect.objectContaining({ ok: false, status: 409 }),
      expect.objectContaining({ ok: false, status: 409 }),
    ]);
  });

  it('refuses more than 1000 entries before sending anything', async () => {
    const before = client.callCounts().batchCreateIdentities ?? 0;
    const bodies = Array.from({ length: 1001 }, (_, n) => employee('over', n));
    const err = await client.batchCreateIdentities(bodies).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KratosError);
    expect(err).toMatchObject({ retryClass: 'permanent', status: undefined });
    expect((err as Error).message).toContain('1001 entries; Kratos accepts at most 1000');
    expect(client.callCounts().batchCreateIdentities ?? 0).toBe(before);
  });

  it('creates exactly 1000 in one request', async () => {
    const t = tag();
    const before = client.callCounts().batchCreateIdentities ?? 0;
    const results = await client.batchCreateIdentities(
      Array.from({ length: 1000 }, (_, n) => employee(t, n)),
    );
    expect(results.filter((r) => r?.ok)).toHaveLength(1000);
    expect(client.callCounts().batchCreateIdentities! - before).toBe(1);
  });

  it('falls back to single creates when the batch is refused as a whole (one bad state → 400)', async () => {
    const t = tag();
    const bodies: CreateIdentityBody[] = [
      employee(t, 1),
      employee(t, 2, { state: 'suspended' as 'active' }),
      employee(t, 3),
    ];
    const singlesBefore = client.callCounts().createIdentity ?? 0;
    const results = await client.batchCreateIdentities(bodies);
    expect(results[0]).toEqual({ ok: true, id: expect.any(String) });
    expect(results[1]).toMatchObject({ ok: false, status: 400 });
    expect(results[2]).toEqual({ ok: true, id: expect.any(String) });
    expect((client.callCounts().createIdentity ?? 0) - singlesBefore).toBe(3);
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
