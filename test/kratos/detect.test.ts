import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor, capabilitiesFromProbes, detectCapabilities } from '../../src/kratos/detect.ts';
import { KratosError } from '../../src/kratos/errors.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startKratosSim } from '../kratos-sim/index.ts';
import { clientFor, configFor, EXPECTED_CAPABILITIES, GENERATIONS, PINNED } from './support.ts';

/** A plain HTTP server that is not Kratos: answers every request with `[]` and no paging headers. */
async function notKratos(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.each(GENERATIONS)('detecting the %s generation by probing', (api) => {
  it('finds the generation and its capabilities with three read-only probes', async () => {
    await using sim = await startKratosSim({ api });
    const client = await clientFor(sim);
    try {
      expect(client.capabilities).toEqual(EXPECTED_CAPABILITIES[api]);
      expect(client.callCounts()).toEqual({ detect: 3 });
      const requests = Object.keys(sim.stats().requests);
      expect(requests.every((key) => key.startsWith('GET '))).toBe(true);
      expect(requests.some((key) => key.includes('version'))).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('detectCapabilities works on its own, also with an adminUrl ending in /admin', async () => {
    await using sim = await startKratosSim({ api });
    const config = configFor(sim, { adminUrl: `${sim.adminUrl}/admin/` });
    expect(await detectCapabilities({ config, logger: silentLogger() })).toEqual(EXPECTED_CAPABILITIES[api]);
  });

  it('does not probe when config.apiVersion pins the generation', async () => {
    await using sim = await startKratosSim({ api });
    const client = await clientFor(sim, { apiVersion: PINNED[api] });
    try {
      expect(client.capabilities).toEqual(capabilitiesFor(PINNED[api]));
      expect(client.callCounts()).toEqual({});
      expect(sim.stats().total).toBe(0);
    } finally {
      await client.close();
    }
  });
});

/** Headers as each release answers the probes (read from Kratos's Go source at the tags). */
describe('capabilitiesFromProbes', () => {
  const json404 = { status: 404, json: true };
  const text404 = { status: 404, json: false };
  const first = (query: string) => `</admin/identities?${query}>; rel="first"`;
  const zero = '00000000-0000-0000-0000-000000000000';

  it('v26 / v25.4: JSON 404 for /by/external, keyset links clamped to 500', () => {
    const caps = capabilitiesFromProbes({
      list: { headers: { link: first(`page_size=500&page_token=${zero}`) } },
      byExternal: json404,
      badToken: { status: 400 },
    });
    expect(caps).toEqual(capabilitiesFor('v26'));
  });

  it('v1.3: keyset without a cap (the link repeats 501), a bad page token is a 400', () => {
    const caps = capabilitiesFromProbes({
      list: { headers: { link: first(`page_size=501&page_token=${zero}`) } },
      byExternal: text404,
      badToken: { status: 400 },
    });
    expect(caps).toMatchObject({
      generation: 'v1',
      externalIdLookup: false,
      batchLimit: 2000,
      batchPerItemResults: true,
      keysetPages: true,
      maxPageSize: null,
    });
  });

  it('v1.1 / v1.2: the same, but a bad page token reaches SQL (500 or 200): all-or-nothing batches', () => {
    for (const status of [500, 200]) {
      const caps = capabilitiesFromProbes({
        list: { headers: { link: first(`page_size=501&page_token=${zero}`) } },
        byExternal: text404,
        badToken: { status },
      });
      expect(caps).toEqual(capabilitiesFor('v1'));
    }
  });

  it('v1.0: X-Total-Count and absolute offset-token links: offset pages from page 0', () => {
    const caps = capabilitiesFromProbes({
      list: {
        headers: {
          'x-total-count': '3',
          link: '<http://127.0.0.1:4434/identities?page=0&page_size=501&page_token=eyJvZmZzZXQiOiIwIiwidiI6Mn0&per_page=501>; rel="first"',
        },
      },
      byExternal: text404,
      badToken: { status: 200 },
    });
    expect(caps).toEqual(capabilitiesFor('v1.0'));
    expect(caps).toMatchObject({ keysetPages: false, firstOffsetPage: 0, batchPerItemResults: false });
  });

  it('v0.10: X-Total-Count and page/per_page links without tokens', () => {
    const caps = capabilitiesFromProbes({
      list: {
        headers: {
          'x-total-count': '3',
          link: '<http://127.0.0.1:4434/identities?page=1&per_page=1>; rel="next"',
        },
      },
      byExternal: text404,
      badToken: { status: 200 },
    });
    expect(caps).toEqual(capabilitiesFor('v0.10'));
    expect(caps).toMatchObject({ batchCreate: false, firstOffsetPage: 1 });
  });

  it('is undefined for an answer with neither paging header', () => {
    expect(
      capabilitiesFromProbes({ list: { headers: {} }, byExternal: text404, badToken: { status: 200 } }),
    ).toBe(undefined);
  });
});

describe('detection failures', () => {
  it('says to pin the version when the server is not recognisably Kratos', async () => {
    const { url, server } = await notKratos();
    try {
      const err = await detectCapabilities({
        config: configFor({ adminUrl: url } as never),
        logger: silentLogger(),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KratosError);
      expect((err as Error).message).toContain('set kratos.apiVersion');
    } finally {
      server.close();
    }
  });

  it('retries an unreachable Kratos, then fails as transient/unavailable', async () => {
    const { url, server } = await notKratos();
    await new Promise((resolve) => server.close(resolve));
    const started = performance.now();
    const err = await detectCapabilities({
      config: configFor({ adminUrl: url } as never, {
        retry: { retries: 2, minDelayMs: 20, maxDelayMs: 50 },
      }),
      logger: silentLogger(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SYNC_ERR_KRATOS_UNAVAILABLE', retryClass: 'transient', attempts: 3 });
    expect((err as Error).message).toMatch(/network error \(ECONNREFUSED\)/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
  });
});
