import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { send, sendCounts } from './testing/http.ts';

// Router answers and envelopes that clients key on, per imitated release (written out here, not read
// from the profile table, so a wrong table entry fails), and the standalone bin.
const NO_CACHE = 'private, no-cache, no-store, must-revalidate';
const CASES = [
  { api: 'v26', batch: true, unprefixed: 200, errorId: '', cacheOnGet: NO_CACHE, cacheOnPost: null },
  { api: 'v25.4', batch: true, unprefixed: 307, errorId: '', cacheOnGet: NO_CACHE, cacheOnPost: NO_CACHE },
  { api: 'v1', batch: true, unprefixed: 307, errorId: null, cacheOnGet: NO_CACHE, cacheOnPost: NO_CACHE },
  { api: 'v1.0', batch: true, unprefixed: 307, errorId: null, cacheOnGet: NO_CACHE, cacheOnPost: NO_CACHE },
  { api: 'v0.10', batch: false, unprefixed: 307, errorId: null, cacheOnGet: null, cacheOnPost: null },
] as const;

describe.each(CASES)('$api routing and envelopes', (c) => {
  const { api } = c;
  let sim: KratosSim;
  beforeAll(async () => {
    sim = await startKratosSim({ api });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('unknown paths get the plain-text router 404; known paths with other methods get 405 with Allow', async () => {
    const missing = await send(sim, '/admin/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('404 page not found\n');
    expect(missing.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(missing.headers.get('cache-control')).toBeNull();
    const put = await send(sim, '/admin/identities', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe(c.batch ? 'GET, POST, PATCH' : 'GET, POST');
  });

  it('unprefixed admin paths: v26 serves them, older releases redirect 307 to /admin keeping the query', async () => {
    const res = await send(sim, '/identities?per_page=3&page=1');
    expect(res.status).toBe(c.unprefixed);
    if (c.unprefixed === 307)
      expect(res.headers.get('location')).toBe(`${sim.url}/admin/identities?per_page=3&page=1`);
  });

  it('success bodies carry the charset; errors are herodot JSON without it; request ids are echoed', async () => {
    const ok = await send(sim, '/admin/identities');
    expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const err = await send(sim, `/admin/identities/${crypto.randomUUID()}`, {
      headers: { 'x-request-id': 'req-42' },
    });
    expect(err.headers.get('content-type')).toBe('application/json');
    expect(err.body).toEqual({
      error: { code: 404, status: 'Not Found', request: 'req-42', message: 'Unable to locate the resource' },
    });
    expect(err.headers.get('ory-error-id')).toBe(c.errorId);
    expect(ok.headers.get('cache-control')).toBe(c.cacheOnGet);
    const created = await send(sim, '/admin/identities', {
      method: 'POST',
      json: {
        schema_id: 'employee',
        traits: { email: `cc-${api}@example.com`, name: { first: 'C', last: 'C' } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe(c.cacheOnPost);
  });
});

/** What the read-only version probes answer on an empty Kratos of each release. */
describe.each(['v26', 'v25.4', 'v1', 'v1.0', 'v0.10'] as const)('%s answers the detection probes', (api) => {
  let sim: KratosSim;
  beforeAll(async () => {
    sim = await startKratosSim({ api });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('by-external-id, sessions, an over-large page size, a crafted token, version', async () => {
    const external = await send(sim, `/admin/identities/by/external/probe-${crypto.randomUUID()}`);
    const sessions = await send(sim, '/admin/sessions?page_size=1');
    const big = await send(sim, '/admin/identities?page_size=501');
    const crafted = await send(sim, '/admin/identities?page_token=x');
    const version = (await send(sim, '/admin/version')).body.version as string;
    const link = big.headers.get('link') ?? '';
    const total = big.headers.get('x-total-count');
    expect(external.status).toBe(404);
    switch (api) {
      case 'v26':
      case 'v25.4':
        expect(external.body).toEqual({
          error: { code: 404, status: 'Not Found', message: 'Unable to locate the resource' },
        });
        expect(external.headers.get('ory-error-id')).toBe('');
        expect(sessions.status).toBe(200);
        expect(sessions.headers.get('x-total-count')).toBeNull();
        expect(total).toBeNull();
        expect(link).toBe(
          '</admin/identities?page_size=500&page_token=00000000-0000-0000-0000-000000000000>; rel="first"',
        );
        expect(crafted.status).toBe(400);
        expect(version).toBe(api === 'v26' ? 'v26.2.0' : 'v25.4.0');
        break;
      case 'v1':
        expect(external.text).toBe('404 page not found\n');
        expect(external.headers.get('cache-control')).toBeNull();
        expect(sessions.status).toBe(200);
        expect(sessions.headers.get('x-total-count')).toBe('0');
        expect(sessions.headers.get('link')).toMatch(/page_token=(?!00000000-)[^>&]+>; rel="first"/);
        expect(total).toBeNull();
        expect(link).toBe(
          '</admin/identities?page_size=501&page_token=00000000-0000-0000-0000-000000000000>; rel="first"',
        );
        expect(crafted.status).toBe(400);
        expect(crafted.body.error.reason).toBe(
          'The page token is invalid, do not craft your own page tokens',
        );
        expect(version).toBe('v1.3.1');
        break;
      case 'v1.0':
        expect(external.text).toBe('404 page not found\n');
        expect(sessions.status).toBe(200);
        expect(sessions.headers.get('x-total-count')).toBe('0');
        expect(sessions.headers.get('link')).toBe(
          '</admin/sessions?page_size=1&page_token=00000000-0000-0000-0000-000000000000>; rel="first"',
        );
        expect(total).toBe('0');
        expect(link.startsWith(`<${sim.url}/identities?page=`)).toBe(true);
        expect(link).toContain('per_page=501');
        expect(link).toContain('page_token=eyJ');
        expect(crafted.status).toBe(200); // an undecodable offset token counts as offset 0
        expect(version).toBe('v1.0.0');
        break;
      case 'v0.10':
        expect(external.text).toBe('404 page not found\n');
        expect(sessions.status).toBe(307);
        expect(sessions.headers.get('location')).toBe(`${sim.url}/sessions`);
        expect(total).toBe('0');
        expect(link).not.toContain('page_token');
        expect(version).toBe('v0.10.1');
        break;
    }
  });
});

describe('standalone bin', () => {
  const bin = fileURLToPath(new URL('../../node_modules/.bin/kratos-sim', import.meta.url));

  it('starts through the workspace bin link, prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--api', 'v0.10', '--latency-ms', '1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
    expect(line).toContain('kratos-sim (v0.10)');
    expect((await fetch(`${url}/admin/version`).then((r) => r.json())) as unknown).toEqual({
      version: 'v0.10.1',
    });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('refuses a bad --api with a clear message and exit code 2', async () => {
    const child = spawn(process.execPath, [bin, '--api', 'v2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': the process can be gone while its message is still in the pipe.
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('--api must be one of v26, v25.4, v1, v1.0, v0.10, got "v2"');
  });
});

// Every Kratos answer above went through the OpenAPI check in `send`; make sure that really happened.
afterAll(() => {
  expect(sendCounts.validated).toBeGreaterThan(5);
});
