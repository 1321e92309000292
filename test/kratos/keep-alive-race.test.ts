import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kratosSection } from '../../src/config/sections/kratos.ts';
import { createKratosClient } from '../../src/kratos/client.ts';
import type { KratosClient } from '../../src/kratos/types.ts';
import { silentLogger } from '../../src/log/logger.ts';

/**
 * The keep-alive race: a request written on a pooled connection that the server closes before answering
 * (a server closing an idle connection as our request arrives looks the same from here). Nothing tells
 * the client whether the server acted on it, so a read is asked again on a new connection, and a create
 * that has no unique external_id is not repeated: it fails as "may have been applied" for the caller to
 * resolve by lookup. A tiny HTTP server stands in for Kratos: it answers the first request on each
 * connection and, while `resetReused` is set, closes the connection on the second one without answering.
 */
describe('a pooled connection closed before the answer (keep-alive race)', () => {
  let server: http.Server;
  let client: KratosClient;
  const sockets = new Set<Socket>();
  const served = new WeakMap<Socket, number>();
  let resetReused = false;
  let received: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const onSocket = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, onSocket);
      received.push(`${req.method} ${onSocket > 1 ? 'reused' : 'new'}`);
      req.resume();
      req.on('end', () => {
        if (resetReused && onSocket > 1) {
          req.socket.destroy();
          return;
        }
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `id-${received.length}`, schema_id: 'employee', traits: {} }));
      });
    });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const config = kratosSection.parse({
      adminUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiVersion: 'v26',
      concurrency: 1,
      retry: { retries: 4, minDelayMs: 10, maxDelayMs: 50 },
    });
    client = await createKratosClient({ config, logger: silentLogger() });
  });

  afterAll(async () => {
    await client?.close();
    for (const socket of sockets) socket.destroy();
    server?.close();
  });

  const prime = async () => {
    resetReused = false;
    await client.getIdentity('warm');
    resetReused = true;
    received = [];
  };

  it('asks a read again on a new connection and returns its answer', async () => {
    await prime();
    const before = client.callCounts().getIdentity ?? 0;
    const identity = await client.getIdentity('someone');
    expect(identity.id).toMatch(/^id-/);
    expect(received).toEqual(['GET reused', 'GET new']);
    expect(client.callCounts().getIdentity).toBe(before + 2);
  });

  it('does not repeat a create without external_id: it fails once, marked as maybe applied', async () => {
    await prime();
    const before = client.callCounts().createIdentity ?? 0;
    const failure = await client
      .createIdentity({ schema_id: 'employee', traits: { email: 'race@example.com' } })
      .catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'SYNC_ERR_KRATOS_UNAVAILABLE', maybeApplied: true });
    expect(received).toEqual(['POST reused']);
    expect(client.callCounts().createIdentity).toBe(before + 1);
  });

  it('repeats a create with an external_id (a second one would be a 409, not a duplicate)', async () => {
    await prime();
    const created = await client.createIdentity({
      schema_id: 'employee',
      traits: { email: 'race2@example.com' },
      external_id: 'ext-race-2',
    });
    expect(created.id).toMatch(/^id-/);
    expect(received).toEqual(['POST reused', 'POST new']);
  });
});
