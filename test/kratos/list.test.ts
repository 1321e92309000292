import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateIdentityBody, KratosClient } from '../../src/kratos/types.ts';
import type { Identity } from '../../src/domain/identity.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, GENERATIONS, tag } from './support.ts';

// Not a round number of pages for any page size used below, so the last page is always short.
const TOTAL = 3_217;

async function seed(client: KratosClient, t: string): Promise<Set<string>> {
  const bodies: CreateIdentityBody[] = Array.from({ length: TOTAL }, (_, n) => employee(t, n));
  const ids = new Set<string>();
  if (client.capabilities.batchCreate) {
    for (let at = 0; at < bodies.length; at += 1000) {
      for (const result of await client.batchCreateIdentities(bodies.slice(at, at + 1000))) {
        if (!result?.ok) throw new Error(`seed failed: ${JSON.stringify(result)}`);
        ids.add(result.id);
      }
    }
  } else {
    // v0.10 has no batch: single creates, `concurrency` at a time through the client's own write limiter.
    const created = await Promise.all(bodies.map((body) => client.createIdentity(body)));
    for (const identity of created) ids.add(identity.id);
  }
  return ids;
}

async function collect(pages: AsyncIterable<Identity[]>): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  for await (const page of pages) {
    sizes.push(page.length);
    for (const identity of page) ids.push(identity.id);
  }
  return { ids, sizes };
}

describe.each(GENERATIONS)('listing identities on the %s simulator', (api) => {
  let sim: KratosSim;
  let client: KratosClient;
  let seeded: Set<string>;

  beforeAll(async () => {
    sim = await startKratosSim({ api });
    client = await clientFor(sim);
    seeded = await seed(client, tag());
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it.each([250, 500, 1000])('sees every identity exactly once with pageSize %i', async (pageSize) => {
    const before = client.callCounts().listIdentities ?? 0;
    const { ids, sizes } = await collect(client.listIdentities({ pageSize }));
    expect(ids.length).toBe(TOTAL);
    expect(new Set(ids)).toEqual(seeded);
    // v25.4+ silently caps at 500; v0.10 and v1.0 take up to 1000 per page, v1.1+ any size.
    const cap = { v26: 500, 'v25.4': 500, v1: Infinity, 'v1.0': 1000, 'v0.10': 1000 }[api];
    const effective = Math.min(pageSize, cap);
    expect(Math.max(...sizes)).toBe(effective);
    expect(sizes.slice(0, -1).every((size) => size === effective)).toBe(true);
    const pages = Math.ceil(TOTAL / effective);
    expect(sizes.length).toBe(pages);
    // Keyset: no trailing empty page. Offset: the short last page ends the walk.
    expect((client.callCounts().listIdentities ?? 0) - before).toBe(pages);
  });

  it('includes metadata_admin in list pages only where the server sends it', async () => {
    const t = tag();
    await client.createIdentity(employee(t, 1, { metadata_admin: { marker: t } }));
    let found: Identity | undefined;
    for await (const page of client.listIdentities())
      found ??= page.find((i) => i.traits.email === `p1-${t}@example.com`);
    expect(found).toBeDefined();
    expect(client.capabilities.listIncludesAdminMetadata).toBe(api !== 'v0.10');
    if (api !== 'v0.10') expect(found?.metadata_admin).toEqual({ marker: t });
    else expect(found?.metadata_admin ?? undefined).toBeUndefined();
  });

  it('filters by credentials identifier (v1.0+) and refuses the filter on v0.10', async () => {
    const t = tag();
    const created = await client.createIdentity(employee(t, 7));
    if (api === 'v0.10') {
      expect(() => client.listIdentities({ credentialsIdentifier: `p7-${t}@example.com` })).toThrow(
        /not available/,
      );
      return;
    }
    const { ids } = await collect(client.listIdentities({ credentialsIdentifier: `P7-${t}@example.com` }));
    expect(ids).toEqual([created.id]);
  });
});
