import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kratosSection } from '../../src/config/sections/kratos.ts';
import { Secret } from '../../src/config/secret.ts';
import { createKratosClient } from '../../src/kratos/client.ts';
import { KratosError } from '../../src/kratos/errors.ts';
import { silentLogger } from '../../src/log/logger.ts';

const TOKEN = 'ory_pat_s3cr3t-token-value';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A real HTTP server standing in for an edge/proxy: records what arrives and answers with `reply`. */
async function recordingServer(
  reply: (seen: Seen) => { status: number; headers?: Record<string, string>; body?: string },
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    seen.push(entry);
    req.resume();
    const answer = reply(entry);
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('HTTP: bearer token, custom headers, redirects', () => {
  it('sends the token as a bearer header only, never in the URL or an error message', async () => {
    const edge = await recordingServer(() => ({
      status: 401,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: { code: 401, status: 'Unauthorized', message: 'The request could not be authorized' },
      }),
    }));
    servers.push(edge.server);
    const config = kratosSection.parse({
      adminUrl: edge.url,
      adminToken: TOKEN,
      headers: { 'x-tenant': 'acme' },
      retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20 },
    });
    expect(config.adminToken).toBeInstanceOf(Secret);
    const err = await createKratosClient({ config, logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KratosError);
    expect(err).toMatchObject({ status: 401, retryClass: 'permanent' });
    expect((err as Error).message).toContain('check kratos.adminToken');
    expect((err as Error).message).not.toContain(TOKEN);
    expect(JSON.stringify(err)).not.toContain(TOKEN);
    // 401 is permanent: the three parallel probes, once each.
    expect(edge.seen).toHaveLength(3);
    for (const request of edge.seen) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers['x-tenant']).toBe('acme');
      expect(request.url).not.toContain(TOKEN);
    }
  });

  it('follows a schema redirect to another origin without the token or configured headers', async () => {
    const publicPort = await recordingServer(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'default', schema: { type: 'object' } }]),
    }));
    const adminPort = await recordingServer((seen) => ({
      status: 307,
      headers: { location: `${publicPort.url}${seen.url}` },
    }));
    servers.push(publicPort.server, adminPort.server);
    const client = await createKratosClient({
      config: kratosSection.parse({
        adminUrl: adminPort.url,
        adminToken: TOKEN,
        headers: { 'x-tenant': 'acme' },
        apiVersion: 'v26',
      }),
      logger: silentLogger(),
    });
    try {
      expect(await client.listIdentitySchemas()).toEqual([{ id: 'default', schema: { type: 'object' } }]);
      expect(adminPort.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(publicPort.seen).toHaveLength(1);
      expect(publicPort.seen[0]?.headers.authorization).toBeUndefined();
      expect(publicPort.seen[0]?.headers['x-tenant']).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('puts a configured path prefix in front of every admin path', async () => {
    const proxy = await recordingServer(() => ({ status: 204 }));
    servers.push(proxy.server);
    const client = await createKratosClient({
      config: kratosSection.parse({ adminUrl: `${proxy.url}/kratos`, apiVersion: 'v26' }),
      logger: silentLogger(),
    });
    try {
      expect(await client.deleteIdentity('a/b')).toBe(true);
      expect(proxy.seen[0]).toMatchObject({ method: 'DELETE', url: '/kratos/admin/identities/a%2Fb' });
    } finally {
      await client.close();
    }
  });

  it('does not read a plain-text 404 from a proxy as "already deleted"', async () => {
    const proxy = await recordingServer(() => ({
      status: 404,
      headers: { 'content-type': 'text/plain' },
      body: 'nope',
    }));
    servers.push(proxy.server);
    const client = await createKratosClient({
      config: kratosSection.parse({ adminUrl: proxy.url, apiVersion: 'v26' }),
      logger: silentLogger(),
    });
    try {
      await expect(client.deleteIdentity('x')).rejects.toMatchObject({
        status: 404,
        retryClass: 'not-found',
      });
      await expect(client.revokeIdentitySessions('x')).rejects.toThrow(/not a Kratos error body/);
    } finally {
      await client.close();
    }
  });
});
