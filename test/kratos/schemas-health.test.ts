import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, GENERATIONS, PINNED } from './support.ts';

describe.each(GENERATIONS)('identity schemas and readiness on the %s simulator', (api) => {
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

  it('lists schemas as {id, schema} and reads one by id', async () => {
    const schemas = await client.listIdentitySchemas();
    const ids = schemas.map((s) => s.id);
    expect(ids).toContain('default');
    expect(ids).toContain('employee');
    const employee = await client.getIdentitySchema('employee');
    expect(employee).toEqual(schemas.find((s) => s.id === 'employee')?.schema);
    expect((employee.properties as { traits: { required: string[] } }).traits.required).toContain('email');
  });

  it('reads schemas from the public URL when one is configured', async () => {
    const viaPublic = await clientFor(sim, { publicUrl: sim.publicUrl, apiVersion: PINNED[api] });
    try {
      expect((await viaPublic.listIdentitySchemas()).length).toBeGreaterThanOrEqual(2);
    } finally {
      await viaPublic.close();
    }
  });

  it('a missing schema is a not-found error', async () => {
    await expect(client.getIdentitySchema('no-such-schema')).rejects.toMatchObject({
      status: 404,
      retryClass: 'not-found',
    });
  });

  it('ready() is true while Kratos answers, false while it is down, and never retries', async () => {
    expect(await client.ready()).toBe(true);
    sim.setFaults({ unavailable: true });
    try {
      const before = client.callCounts().ready ?? 0;
      expect(await client.ready()).toBe(false);
      expect(client.callCounts().ready).toBe(before + 1);
    } finally {
      sim.setFaults({});
    }
    expect(await client.ready()).toBe(true);
  });
});
