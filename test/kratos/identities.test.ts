import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KratosError } from '../../src/kratos/errors.ts';
import type { KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, GENERATIONS, tag } from './support.ts';

describe.each(GENERATIONS)('identity CRUD against the %s simulator', (api) => {
  let sim: KratosSim;
  let client: KratosClient;
  /** The server stores external ids (v25.4+); v0.10 and v1.x do not. */
  let external = false;

  beforeAll(async () => {
    sim = await startKratosSim({ api });
    client = await clientFor(sim);
    external = client.capabilities.externalIdLookup;
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it('creates and reads back an identity with its metadata', async () => {
    const t = tag();
    const created = await client.createIdentity(
      employee(t, 1, {
        metadata_public: { team: 'blue' },
        metadata_admin: { kratos_sync: { source: 'hr', key: `e-${t}` } },
        ...(external ? { external_id: `ext-${t}` } : {}),
      }),
    );
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const read = await client.getIdentity(created.id);
    expect(read.traits).toEqual({ email: `p1-${t}@example.com`, name: { first: 'Pat', last: 'Doe1' } });
    expect(read.metadata_public).toEqual({ team: 'blue' });
    expect(read.metadata_admin).toEqual({ kratos_sync: { source: 'hr', key: `e-${t}` } });
    expect(read.state).toBe('active');
    if (external) expect(read.external_id).toBe(`ext-${t}`);
  });

  it('drops external_id where Kratos has none (v0.10, v1.x: its strict decoder would answer 400)', async () => {
    const t = tag();
    const created = await client.createIdentity(employee(t, 1, { external_id: `ext-${t}` }));
    expect(sim.identity(created.id)?.external_id ?? null).toBe(external ? `ext-${t}` : null);
  });

  it('looks identities up by external id (v25.4+), null when unknown; refuses elsewhere', async () => {
    const t = tag();
    if (!external) {
      await expect(client.getIdentityByExternalId(`ext-${t}`)).rejects.toThrow(
        /not available on this server/,
      );
      return;
    }
    const created = await client.createIdentity(employee(t, 1, { external_id: `ext-${t}` }));
    expect((await client.getIdentityByExternalId(`ext-${t}`))?.id).toBe(created.id);
    expect(await client.getIdentityByExternalId(`missing-${t}`)).toBeNull();
  });

  it('PUT with metadata and external_id left out keeps them (read-fill); explicit null clears', async () => {
    const t = tag();
    const created = await client.createIdentity(
      employee(t, 1, {
        metadata_public: { team: 'blue' },
        metadata_admin: { marker: t },
        ...(external ? { external_id: `ext-${t}` } : {}),
      }),
    );
    const updated = await client.updateIdentity(created.id, {
      schema_id: 'employee',
      traits: { email: `p1-${t}@example.com`, name: { first: 'Pat', last: 'Renamed' } },
      state: 'inactive',
    });
    expect(updated.traits.name).toEqual({ first: 'Pat', last: 'Renamed' });
    expect(updated.state).toBe('inactive');
    const stored = sim.identity(created.id)!;
    expect(stored.metadata_public).toEqual({ team: 'blue' });
    expect(stored.metadata_admin).toEqual({ marker: t });
    expect(stored.external_id).toBe(external ? `ext-${t}` : null);

    await client.updateIdentity(created.id, {
      schema_id: 'employee',
      traits: { email: `p1-${t}@example.com`, name: { first: 'Pat', last: 'Renamed' } },
      state: 'active',
      metadata_public: null,
      metadata_admin: { marker: `${t}-2` },
      external_id: null,
    });
    const after = sim.identity(created.id)!;
    expect(after.metadata_public).toBeNull();
    expect(after.metadata_admin).toEqual({ marker: `${t}-2` });
    expect(after.external_id).toBeNull();
  });

  it('PUT with every field sent needs no extra read', async () => {
    const t = tag();
    const created = await client.createIdentity(employee(t, 1, external ? { external_id: `ext-${t}` } : {}));
    const before = client.callCounts().getIdentity ?? 0;
    await client.updateIdentity(created.id, {
      schema_id: 'employee',
      traits: { email: `p1-${t}@example.com`, name: { first: 'Pat', last: 'X' } },
      state: 'active',
      metadata_public: { a: 1 },
      metadata_admin: { b: 2 },
      external_id: `ext-${t}`,
    });
    expect(client.callCounts().getIdentity ?? 0).toBe(before);
    expect(sim.identity(created.id)?.external_id ?? null).toBe(external ? `ext-${t}` : null);
  });

  it('applies a JSON Patch where the server has it (v1.0+); refuses on v0.10 without sending', async () => {
    const t = tag();
    const created = await client.createIdentity(employee(t, 1, { metadata_admin: { keep: true } }));
    if (!client.capabilities.jsonPatch) {
      const before = client.callCounts().patchIdentity ?? 0;
      await expect(
        client.patchIdentity(created.id, [{ op: 'replace', path: '/state', value: 'inactive' }]),
      ).rejects.toThrow(KratosError);
      expect(client.callCounts().patchIdentity ?? 0).toBe(before);
      return;
    }
    const patched = await client.patchIdentity(created.id, [
      { op: 'replace', path: '/state', value: 'inactive' },
      { op: 'add', path: '/metadata_admin/deactivated_at', value: '2026-01-01T00:00:00Z' },
    ]);
    expect(patched.state).toBe('inactive');
    expect(sim.identity(created.id)?.metadata_admin).toEqual({
      keep: true,
      deactivated_at: '2026-01-01T00:00:00Z',
    });
  });

  it('delete answers true, then false once the identity is gone (404 is success)', async () => {
    const created = await client.createIdentity(employee(tag(), 1));
    expect(await client.deleteIdentity(created.id)).toBe(true);
    expect(sim.identity(created.id)).toBeUndefined();
    expect(await client.deleteIdentity(created.id)).toBe(false);
  });

  it('classifies a duplicate as conflict, a schema violation as permanent, a missing identity as not-found', async () => {
    const t = tag();
    await client.createIdentity(employee(t, 1));
    const conflict = await client.createIdentity(employee(t, 1)).catch((err: unknown) => err);
    expect(conflict).toBeInstanceOf(KratosError);
    expect(conflict).toMatchObject({ status: 409, retryClass: 'conflict', code: 'SYNC_ERR_KRATOS_CONFLICT' });
    expect((conflict as KratosError).attempts).toBe(1);

    const invalid = await client
      .createIdentity({
        schema_id: 'employee',
        traits: { email: 'not-an-email', name: { first: 'A', last: 'B' } },
      })
      .catch((err: unknown) => err);
    expect(invalid).toMatchObject({ status: 400, retryClass: 'permanent', code: 'SYNC_ERR_KRATOS_REJECTED' });
    expect((invalid as KratosError).envelope.reason).toContain('#/traits/email');

    const missing = await client
      .getIdentity('00000000-0000-4000-8000-000000000000')
      .catch((err: unknown) => err);
    expect(missing).toMatchObject({ status: 404, retryClass: 'not-found', operation: 'getIdentity' });
  });
});
