import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/describe-error.ts';
import { createIdentityLoader } from '../../src/kratos/identity-loader.ts';
import type { KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, tag } from './support.ts';

/**
 * The identity reads of jobs running together: one filtered list request where the server has the `ids`
 * filter (v1.1+), plain GETs where it has not; the same identities and the same "not found" either way.
 */
const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe.each(['v26', 'v1', 'v1.0', 'v0.10'] as const)('identity loader on the %s simulator', (api) => {
  let sim: KratosSim;
  let client: KratosClient;
  let ids: string[];

  beforeAll(async () => {
    sim = await startKratosSim({ api });
    client = await clientFor(sim, { retry: { retries: 0 } });
    const t = tag();
    ids = [];
    for (let n = 0; n < 5; n++) ids.push((await client.createIdentity(employee(t, n))).id);
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  const calls = () => ({ ...client.callCounts() });
  const delta = (before: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(client.callCounts())
        .map(([name, n]) => [name, n - (before[name] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );

  it('answers each read made in one turn with its own identity, in one request where the server can', async () => {
    const loader = createIdentityLoader(client);
    const unknown = randomUUID();
    const before = calls();
    const answers = await Promise.all(
      [ids[3]!, ids[0]!, unknown, ids[4]!, 'not-a-uuid', ids[0]!].map((id) => settle(loader.load(id))),
    );
    type Answer = (typeof answers)[number];
    const [three, zero, missing, four, malformed, zeroAgain] = answers as [
      Answer,
      Answer,
      Answer,
      Answer,
      Answer,
      Answer,
    ];
    expect(three).toMatchObject({ ok: true, value: { id: ids[3] } });
    expect(zero).toMatchObject({ ok: true, value: { id: ids[0] } });
    expect(four).toMatchObject({ ok: true, value: { id: ids[4] } });
    expect(zeroAgain).toMatchObject({ ok: true, value: { id: ids[0] } });
    // Two callers of one id do not share an object (each job may work on its own copy).
    expect(zeroAgain.ok && zero.ok && zeroAgain.value !== zero.value).toBe(true);
    // Not found is Kratos's own answer to a GET of that id, as without the loader.
    for (const absent of [missing, malformed]) {
      expect(absent.ok).toBe(false);
      expect(!absent.ok && hasCode(absent.error, 'SYNC_ERR_KRATOS_NOT_FOUND')).toBe(true);
    }
    if (client.capabilities.idsFilter) {
      expect(three.ok && three.value.metadata_admin).toBeDefined();
      // One list for the four UUIDs; the two ids it did not return are read on their own.
      expect(delta(before)).toEqual({ listIdentities: 1, getIdentity: 2 });
    } else {
      expect(delta(before)).toEqual({ getIdentity: 6 });
    }
  });

  it('sends the ids list filter only where the server has it, and only UUIDs', async () => {
    const list = async (options: Parameters<KratosClient['listIdentities']>[0]) => {
      const found: string[] = [];
      for await (const page of client.listIdentities(options)) found.push(...page.map((i) => i.id));
      return found.sort();
    };
    if (client.capabilities.idsFilter) {
      expect(await list({ ids: [ids[2]!, ids[1]!], pageSize: 2 })).toEqual([ids[1], ids[2]].sort());
      await expect(list({ ids: ['not-a-uuid'] })).rejects.toThrow(/UUIDs only/);
      await expect(list({ ids: [] })).rejects.toThrow(/1 to 500 ids/);
    } else {
      // The server would ignore the filter and answer a page of everyone.
      await expect(list({ ids: [ids[2]!] })).rejects.toThrow(/ids filter is not available/);
    }
  });

  it('reads a lone id with a plain GET', async () => {
    const loader = createIdentityLoader(client);
    const before = calls();
    expect((await loader.load(ids[1]!)).id).toBe(ids[1]);
    expect(delta(before)).toEqual({ getIdentity: 1 });
  });

  it('fails only the reads of a request that fails; the next turn reads again', async () => {
    const loader = createIdentityLoader(client);
    // The route the loader reads several ids with: the filtered list, or one GET each.
    const route = client.capabilities.idsFilter ? 'GET /admin/identities' : 'GET /admin/identities/{id}';
    sim.setFaults({ errorRate: 1, errorStatus: 500, routes: [route] });
    try {
      const failed = await Promise.all([ids[0]!, ids[1]!].map((id) => settle(loader.load(id))));
      for (const answer of failed) {
        expect(answer.ok).toBe(false);
        expect(!answer.ok && (answer.error as { status?: number }).status).toBe(500);
      }
    } finally {
      sim.setFaults({});
    }
    const next = await Promise.all([ids[0]!, ids[1]!].map((id) => loader.load(id)));
    expect(next.map((identity) => identity.id)).toEqual([ids[0], ids[1]]);
  });
});
