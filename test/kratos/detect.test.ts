import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor, detectCapabilities } from '../../src/kratos/detect.ts';
import { KratosError } from '../../src/kratos/errors.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startKratosSim } from '../kratos-sim/index.ts';
import { clientFor, configFor, GENERATIONS } from './support.ts';

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
  it('finds the generation and its capabilities with two read-only probes', async () => {
    await using sim = await startKratosSim({ api });
    const client = await clientFor(sim);
    try {
      expect(client.capabilities).toEqual(capabilitiesFor(api));
      expect(client.callCounts()).toEqual({ detect: 2 });
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
    expect(await detectCapabilities({ config, logger: silentLogger() })).toEqual(capabilitiesFor(api));
  });

  it('does not probe when config.apiVersion pins the generation', async () => {
    await using sim = await startKratosSim({ api });
    const client = await clientFor(sim, { apiVersion: api });
    try {
      expect(client.capabilities).toEqual(capabilitiesFor(api));
      expect(client.callCounts()).toEqual({});
      expect(sim.stats().total).toBe(0);
    } finally {
      await client.close();
    }
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
