import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { send, sendCounts } from './testing/http.ts';

// Router answers and envelopes that clients key on (BEHAVIOUR.md §0, §1, §11), and the standalone bin.
describe.each(['v26', 'v0.10'] as const)('%s routing and envelopes', (api) => {
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
    const put = await send(sim, '/admin/identities', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe(api === 'v26' ? 'GET, POST, PATCH' : 'GET, POST');
  });

  it('unprefixed admin paths: v26 serves them, v0.10 redirects 307 to /admin keeping the query', async () => {
    const res = await send(sim, '/identities?per_page=3&page=1');
    if (api === 'v26') expect(res.status).toBe(200);
    else {
      expect(res.status).toBe(307);
      expect(res.headers.get('location')).toBe(`${sim.url}/admin/identities?per_page=3&page=1`);
    }
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
    expect(err.headers.get('ory-error-id')).toBe(api === 'v26' ? '' : null);
    expect(ok.headers.get('cache-control')).toBe(
      api === 'v26' ? 'private, no-cache, no-store, must-revalidate' : null,
    );
  });

  it('the probes a client uses to detect the generation tell the two apart', async () => {
    const page = await send(sim, '/admin/identities?page_size=1');
    const external = await send(sim, `/admin/identities/by/external/${crypto.randomUUID()}`);
    const sessions = await send(sim, '/admin/sessions');
    if (api === 'v26') {
      expect(page.headers.get('link')).toContain('page_token');
      expect(page.headers.get('x-total-count')).toBeNull();
      expect(external.body.error.code).toBe(404);
      expect(sessions.status).toBe(200);
    } else {
      expect(page.headers.get('x-total-count')).not.toBeNull();
      expect(external.text).toBe('404 page not found\n');
      expect(sessions.status).toBe(307);
      expect(sessions.headers.get('location')).toBe(`${sim.url}/sessions`);
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
    const child = spawn(process.execPath, [bin, '--api', 'v1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('--api must be v26 or v0.10, got "v1"');
  });
});

// Every Kratos answer above went through the OpenAPI check in `send`; make sure that really happened.
afterAll(() => {
  expect(sendCounts.validated).toBeGreaterThan(5);
});
