import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionPool } from '../../src/kratos/connection-pool.ts';

/**
 * The Kratos client's connection pool on Node's agents, against a real HTTP server that counts the
 * connections it accepts: keep-alive reuse, the per-origin cap, the deadline over a stalled body, and a close
 * that lets requests in flight finish.
 */
describe('Kratos connection pool (Node http agents, real server)', () => {
  let server: http.Server;
  let origin: string;
  const sockets = new Set<Socket>();
  let accepted = 0;
  let open = 0;
  let mostOpen = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const wait = Number(url.searchParams.get('wait') ?? 0);
      if (url.pathname === '/stall') {
        // Headers and half a body, then nothing.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '20' });
        res.write('{"half":');
        return;
      }
      if (url.pathname === '/where') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url, host: req.headers.host }));
        return;
      }
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () =>
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ method: req.method, body, length: req.headers['content-length'] ?? null }),
          );
        }, wait),
      );
    });
    server.on('connection', (socket: Socket) => {
      accepted++;
      open++;
      mostOpen = Math.max(mostOpen, open);
      sockets.add(socket);
      socket.on('close', () => {
        open--;
        sockets.delete(socket);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });

  // Each test starts once the server has seen the previous test's sockets close.
  const reset = async () => {
    await expect.poll(() => open, { timeout: 5_000 }).toBe(0);
    accepted = 0;
    mostOpen = 0;
  };
  const get = (
    pool: ReturnType<typeof createConnectionPool>,
    path: string,
    signal = AbortSignal.timeout(10_000),
  ) => pool.request({ origin, path, method: 'GET', headers: { accept: 'application/json' }, signal });

  it('sends the body with its length and reuses one connection for requests in sequence', async () => {
    const pool = createConnectionPool({ connections: 4 });
    await reset();
    const sent = await pool.request({
      origin,
      path: '/echo',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":"ü"}',
      signal: AbortSignal.timeout(10_000),
    });
    expect(sent.statusCode).toBe(200);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body.toString('utf8'))).toEqual({
      method: 'POST',
      body: '{"a":"ü"}',
      length: '10',
    });
    for (let i = 0; i < 5; i++) expect((await get(pool, '/one')).statusCode).toBe(200);
    expect(accepted).toBe(1);
    await pool.close();
  });

  it('opens at most `connections` sockets to an origin; the rest wait their turn', async () => {
    const pool = createConnectionPool({ connections: 2 });
    await reset();
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(pool, '/slow?wait=50')));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
    expect(accepted).toBe(2);
    expect(mostOpen).toBe(2);
    await pool.close();
  });

  it('sends a path that starts with // to the origin as it is, not to the host it names', async () => {
    const pool = createConnectionPool({ connections: 2 });
    await reset();
    // Resolved against the origin, `//localhost:<port>/where` is a URL to the host `localhost`.
    const port = new URL(origin).port;
    const answer = await get(pool, `//localhost:${port}/where`);
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
      url: `//localhost:${port}/where`,
      host: `127.0.0.1:${port}`,
    });
    await pool.close();
  });

  it('rejects with the abort when the deadline passes while the body is still arriving', async () => {
    const pool = createConnectionPool({ connections: 2 });
    await reset();
    const signal = AbortSignal.timeout(200);
    const failure = await get(pool, '/stall', signal).catch((err: unknown) => err);
    expect(signal.aborted).toBe(true);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toMatch(/Abort|Timeout/);
    // The pool still works after an aborted request.
    expect((await get(pool, '/after')).statusCode).toBe(200);
    await pool.close();
  });

  it('close() lets a request in flight finish, then closes the sockets', async () => {
    const pool = createConnectionPool({ connections: 2 });
    await reset();
    const inFlight = get(pool, '/slow?wait=150');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closed = pool.close();
    expect((await inFlight).statusCode).toBe(200);
    await closed;
    // Every socket the pool opened is closed by the server's count.
    await expect.poll(() => open, { timeout: 5_000 }).toBe(0);
  });

  it('a second close() while a request is in flight resolves with the first', async () => {
    const pool = createConnectionPool({ connections: 2 });
    await reset();
    const inFlight = get(pool, '/slow?wait=150');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closes = [pool.close(), pool.close()];
    expect((await inFlight).statusCode).toBe(200);
    const settled = await Promise.race([
      Promise.all(closes).then(() => 'both closed'),
      new Promise((resolve) => setTimeout(() => resolve('a close() still waiting'), 5_000)),
    ]);
    expect(settled).toBe('both closed');
  });
});
