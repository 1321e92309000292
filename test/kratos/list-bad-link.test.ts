import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KratosError } from '../../src/kratos/errors.ts';
import type { KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { startLinkManglingProxy, type LinkManglingProxy } from '../support/link-mangling-proxy.ts';
import { clientFor, employee, tag } from './support.ts';

const TOTAL = 6;
const PAGE_TOKEN = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('listing identities (v26 simulator behind a proxy) fails on a Link header it cannot follow', () => {
  let sim: KratosSim;
  let proxy: LinkManglingProxy;
  let client: KratosClient;

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
    const seeder = await clientFor(sim);
    const t = tag();
    await seeder.batchCreateIdentities(Array.from({ length: TOTAL }, (_, n) => employee(t, n)));
    await seeder.close();
    proxy = await startLinkManglingProxy(sim.adminUrl, '/admin/identities', 2);
    client = await clientFor(sim, { adminUrl: proxy.url, apiVersion: 'v26' });
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await sim?.stop();
  });

  const page = `/admin/identities?page_size=2&page_token=${PAGE_TOKEN}`;
  it.each([
    ['an unclosed <', `<${page}; rel="next"`, /does not parse/],
    ['a next link and then garbage', `<${page}>; rel="next",${PAGE_TOKEN}`, /does not parse/],
    ['a link without rel', `<${page}>`, /link 1 has no rel/],
    ['a next target that is no URL', `<http://[${PAGE_TOKEN}${page}>; rel="next"`, /not a valid URL/],
  ])('%s on page 2', async (_what, badLink, why) => {
    proxy.state.badLink = badLink;
    proxy.state.listCalls = 0;
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const identities of client.listIdentities({ pageSize: 2 }))
        for (const identity of identities) seen.push(identity.id);
    } catch (err) {
      error = err;
    }
    // Page 1 was handed over; the list did not end quietly after page 2 (which would hide 2 identities).
    expect(seen).toHaveLength(2);
    expect(proxy.state.listCalls).toBe(2);
    expect(error).toBeInstanceOf(KratosError);
    const kratosError = error as KratosError;
    expect(kratosError.code).toBe('SYNC_ERR_KRATOS_REJECTED');
    expect(kratosError.operation).toBe('listIdentities');
    expect(kratosError.message).toMatch(/^Kratos listIdentities: page 2: the Link header/);
    expect(kratosError.message).toMatch(why);
    expect(kratosError.message).not.toContain(PAGE_TOKEN);
  });

  it('reads every identity through the proxy when the header is Kratos own', async () => {
    proxy.state.badLink = ''; // the simulator's header passes through
    const seen: string[] = [];
    for await (const identities of client.listIdentities({ pageSize: 2 }))
      for (const identity of identities) seen.push(identity.id);
    expect(new Set(seen).size).toBe(TOTAL);
  });
});

describe('listing identity schemas (v26 simulator behind a proxy) fails on a Link header it cannot follow', () => {
  let sim: KratosSim;
  let proxy: LinkManglingProxy;
  let client: KratosClient;

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
    proxy = await startLinkManglingProxy(sim.publicUrl, '/schemas', 1);
    client = await clientFor(sim, { publicUrl: proxy.url, apiVersion: 'v26' });
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await sim?.stop();
  });

  it('an unclosed < on the first page', async () => {
    proxy.state.badLink = `</schemas?page_size=1&page_token=${PAGE_TOKEN}; rel="next"`;
    const error: unknown = await client.listIdentitySchemas().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(KratosError);
    expect((error as KratosError).code).toBe('SYNC_ERR_KRATOS_REJECTED');
    expect((error as KratosError).message).toMatch(
      /^Kratos listIdentitySchemas: page 1: the Link header does not parse/,
    );
    expect((error as KratosError).message).not.toContain(PAGE_TOKEN);
    expect(proxy.state.listCalls).toBe(1);
  });
});
