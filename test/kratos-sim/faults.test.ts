import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { employeeTraits, send, sendCounts } from './testing/http.ts';

// Fault injection and counters: what tests of retries, rate limits and outages rely on.
let sim: KratosSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function withIdentity(options: Parameters<typeof startKratosSim>[0] = {}) {
  sim = await startKratosSim({ api: 'v26', seed: 42, ...options });
  const created = await send(sim, '/admin/identities', {
    method: 'POST',
    json: { schema_id: 'employee', traits: employeeTraits(1) },
  });
  return { sim, id: created.body.id as string };
}

describe('random faults', () => {
  it('errorStatus fixes the status; routes limit the faults; /_sim is never faulted', async () => {
    const { sim, id } = await withIdentity();
    sim.setFaults({ errorRate: 1, errorStatus: 503, routes: ['GET /admin/identities/{id}'] });
    const faulted = await send(sim, `/admin/identities/${id}`);
    expect(faulted.status).toBe(503);
    expect(faulted.text).toBe('no healthy upstream');
    expect((await send(sim, '/admin/identities')).status).toBe(200);
    expect((await send(sim, '/_sim/stats')).status).toBe(200);
    expect(sim.stats().faults.error).toBe(1);
    expect(sim.stats().requests['GET /admin/identities/{id}']).toEqual({ '503': 1 });
  });

  it('without errorStatus mixes 500 (Kratos JSON) with 502/503/504 (proxy text), repeatably per seed', async () => {
    const { sim, id } = await withIdentity();
    sim.setFaults({ errorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const res = await send(sim, `/admin/identities/${id}`);
      statuses.add(res.status);
      if (res.status === 500) expect(res.body.error.code).toBe(500);
      else expect(res.headers.get('content-type')).toContain('text/plain');
    }
    expect([...statuses].sort()).toEqual([500, 502, 503, 504]);
  });

  it('a fractional errorRate faults about that share of requests', async () => {
    const { sim, id } = await withIdentity();
    sim.setFaults({ errorRate: 0.3, errorStatus: 502 });
    let failed = 0;
    for (let i = 0; i < 200; i++) if ((await send(sim, `/admin/identities/${id}`)).status === 502) failed++;
    expect(failed).toBeGreaterThan(35);
    expect(failed).toBeLessThan(85);
  });

  it('rateLimitRate answers 429 with Ory Network headers and an optional Retry-After', async () => {
    const { sim } = await withIdentity();
    sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 3 });
    const res = await send(sim, '/admin/identities');
    expect(res.status).toBe(429);
    expect(res.headers.get('x-ratelimit-limit')).toBe('10, 10;w=1, 300;w=60');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-ratelimit-reset')).toBe('1');
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.body.error.code).toBe(429);
  });

  it('latencyMs delays every Kratos answer', async () => {
    const { sim } = await withIdentity({ latencyMs: 120 });
    const started = performance.now();
    await send(sim, '/health/alive');
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });
});

describe('Ory Network in-flight rule', () => {
  it('a second concurrent create or batch gets 429 while one is in flight; reads are exempt', async () => {
    const { sim } = await withIdentity({ initialFaults: { inflightLimit: true, latencyMs: 250 } });
    const create = (n: number) =>
      send(sim, '/admin/identities', {
        method: 'POST',
        json: { schema_id: 'employee', traits: employeeTraits(n, 'fl') },
      });
    const batch = send(sim, '/admin/identities', {
      method: 'PATCH',
      json: { identities: [{ create: { schema_id: 'employee', traits: employeeTraits(9, 'fl') } }] },
    });
    const results = await Promise.all([
      create(1),
      batch,
      send(sim, '/admin/identities'),
      send(sim, '/admin/identities'),
    ]);
    const writeStatuses = results.slice(0, 2).map((r) => r.status);
    expect(writeStatuses.filter((s) => s === 429)).toHaveLength(1);
    expect(writeStatuses.filter((s) => s === 201 || s === 200)).toHaveLength(1);
    expect(results.slice(2).map((r) => r.status)).toEqual([200, 200]);
    expect(sim.stats().faults.inflightRejected).toBe(1);
    expect((await create(2)).status).toBe(201); // the slot is free again
  });

  it('writes to one identity are serialised, writes to different identities are not', async () => {
    const { sim, id } = await withIdentity({ initialFaults: { inflightLimit: true, latencyMs: 250 } });
    const other = (
      await send(sim, '/admin/identities', {
        method: 'POST',
        json: { schema_id: 'employee', traits: employeeTraits(2) },
      })
    ).body.id;
    const put = (target: string, n: number) =>
      send(sim, `/admin/identities/${target}`, {
        method: 'PUT',
        json: { schema_id: 'employee', traits: employeeTraits(n) },
      });
    const same = await Promise.all([put(id, 1), put(id, 1)]);
    expect(same.map((r) => r.status).sort()).toEqual([200, 429]);
    const different = await Promise.all([put(id, 1), put(other, 2)]);
    expect(different.map((r) => r.status)).toEqual([200, 200]);
    expect(sim.stats().peakInflight['PUT /admin/identities/{id}']).toBe(2);
  });
});

describe('write budget', () => {
  it('counts admin writes per minute with rate-limit headers; 429 once used up; a new minute refills', async () => {
    let now = Date.parse('2026-03-02T10:00:05Z');
    sim = await startKratosSim({
      api: 'v26',
      now: () => now,
      initialFaults: { writeBudget: { perMinute: 3 }, retryAfterSeconds: 7 },
    });
    const create = (n: number) =>
      send(sim!, '/admin/identities', {
        method: 'POST',
        json: { schema_id: 'employee', traits: employeeTraits(n, 'wb') },
      });
    const remaining: Array<string | null> = [];
    for (let n = 0; n < 3; n++) {
      const res = await create(n);
      expect(res.status).toBe(201);
      remaining.push(res.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    expect((await send(sim, '/admin/identities')).status).toBe(200); // reads are not budgeted
    const refused = await create(3);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3, 3;w=60');
    expect(refused.headers.get('x-ratelimit-reset')).toBe('55');
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(sim.stats().faults.budgetRejected).toBe(1);
    now += 60_000;
    expect((await create(3)).status).toBe(201);
  });
});

describe('hangs, drops and outages', () => {
  it('hangRate leaves the request unanswered until the client gives up; stop() still returns', async () => {
    const { sim } = await withIdentity();
    sim.setFaults({ hangRate: 1 });
    await expect(fetch(`${sim.url}/admin/identities`, { signal: AbortSignal.timeout(300) })).rejects.toThrow(
      /aborted|timeout/i,
    );
    expect(sim.stats().faults.hung).toBe(1);
    const pending = fetch(`${sim.url}/admin/identities`).then(
      () => 'answered',
      () => 'failed',
    );
    await expect.poll(() => sim.stats().faults.hung, { timeout: 10_000 }).toBe(2); // 1 s is short under load
    await sim.stop();
    expect(await pending).toBe('failed');
  });

  it('dropRate destroys the connection without an answer', async () => {
    const { sim } = await withIdentity();
    sim.setFaults({ dropRate: 1 });
    await expect(fetch(`${sim.url}/admin/identities`)).rejects.toThrow(/fetch failed/);
    expect(sim.stats().faults.dropped).toBe(1);
  });

  it('unavailable makes every Kratos route (health included) answer 503 until cleared', async () => {
    const { sim, id } = await withIdentity();
    sim.setFaults({ unavailable: true });
    for (const path of ['/health/ready', '/admin/identities', `/admin/identities/${id}`])
      expect((await send(sim, path)).status).toBe(503);
    sim.setFaults({});
    expect((await send(sim, '/health/ready')).status).toBe(200);
  });
});

describe('Ory Network admin token', () => {
  it('admin routes need the bearer token; public routes and /_sim stay open', async () => {
    sim = await startKratosSim({ api: 'v26', adminToken: 'ory_pat_secret' });
    const json = { schema_id: 'employee', traits: employeeTraits(1, 'tok') };
    const missing = await send(sim, '/admin/identities', { method: 'POST', json });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toEqual({
      code: 401,
      status: 'Unauthorized',
      message: 'The request could not be authorized',
    });
    expect(
      (await send(sim, '/admin/identities', { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    const ok = await send(sim, '/admin/identities', {
      method: 'POST',
      json,
      headers: { authorization: 'Bearer ory_pat_secret' },
    });
    expect(ok.status).toBe(201);
    expect(
      (await send(sim, '/identities', { headers: { authorization: 'Bearer ory_pat_secret' } })).status,
    ).toBe(200);
    expect((await send(sim, '/health/ready')).status).toBe(200);
    expect((await send(sim, '/sessions/whoami')).status).toBe(401); // no session, not the admin check
    expect(sim.stats().faults.unauthorized).toBe(2);
  });
});

describe('control over HTTP (standalone use)', () => {
  it('PUT /_sim/faults, GET /_sim/stats, POST /_sim/sessions and POST /_sim/reset', async () => {
    const { sim, id } = await withIdentity();
    const put = await send(sim, '/_sim/faults', { method: 'PUT', json: { errorRate: 1, errorStatus: 504 } });
    expect(put.body).toEqual({ errorRate: 1, errorStatus: 504 });
    expect((await send(sim, `/admin/identities/${id}`)).status).toBe(504);
    await send(sim, '/_sim/faults', { method: 'PUT', json: {} });
    const typo = await send(sim, '/_sim/faults', { method: 'PUT', json: { errorrate: 1, hangRate: 2 } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.reason).toMatch(/hangRate: .*1.*; \(root\): .*errorrate/);
    expect(() => sim.setFaults({ errorRate: -1 })).toThrow(/invalid kratos-sim faults: errorRate/);
    expect((await send(sim, '/_sim/faults', { method: 'PUT', body: 'nonsense' })).status).toBe(400);
    const login = await send(sim, '/_sim/sessions', { method: 'POST', json: { identity_id: id } });
    expect(login.status).toBe(201);
    expect(login.body.session_token).toMatch(/^ory_st_/);
    const who = await send(sim, '/sessions/whoami', {
      headers: { 'x-session-token': login.body.session_token },
    });
    expect(who.body.identity.id).toBe(id);
    expect(
      (await send(sim, '/_sim/sessions', { method: 'POST', json: { identity_id: crypto.randomUUID() } }))
        .status,
    ).toBe(404);
    const stats = (await send(sim, '/_sim/stats')).body;
    expect(stats.requests['POST /admin/identities']).toEqual({ '201': 1 });
    expect(stats.requests['GET /admin/identities/{id}']).toEqual({ '504': 1 });
    expect(stats.requests['GET /sessions/whoami']).toEqual({ '200': 1 });
    expect(stats.total).toBe(3);
    expect((await send(sim, '/_sim/reset', { method: 'POST' })).status).toBe(204);
    expect(sim.state.identities.size).toBe(0);
    expect(sim.stats().total).toBe(0);
  });
});

// Every Kratos answer above went through the OpenAPI check in `send`; make sure that really happened.
afterAll(() => {
  expect(sendCounts.validated).toBeGreaterThan(20);
});
