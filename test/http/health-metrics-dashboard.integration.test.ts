import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../support/capture-logs.ts';
import { startHttpFixture } from './http-fixture.ts';

type Fixture = Awaited<ReturnType<typeof startHttpFixture>>;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('health and readiness', () => {
  it('answers /healthz while the process runs, whatever its dependencies say', async () => {
    fixture = await startHttpFixture({ kratosReady: async () => false });
    const res = await fixture.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when Redis answers and Kratos says ready, and says which check failed otherwise', async () => {
    let kratosUp = true;
    fixture = await startHttpFixture({ kratosReady: async () => kratosUp });
    const ready = await fixture.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', kratos: 'ok' } });
    kratosUp = false;
    const notReady = await fixture.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not ready', checks: { redis: 'ok', kratos: 'not ready' } });
  });
});

describe('/metrics', () => {
  it('serves the Prometheus text format with the per-source figures from Redis', async () => {
    fixture = await startHttpFixture();
    await fixture.redis.hset(`${fixture.prefix}:stats:source:hr`, {
      lastSuccessAt: 1795750000,
      quarantined: 3,
      managed: 1200,
    });
    fixture.metrics.jobFinished({ type: 'person.sync', outcome: 'completed', durationMs: 120 });
    fixture.metrics.kratosRequest({ operation: 'createIdentity', status: '201', durationMs: 15 });
    const res = await fixture.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain('kratos_sync_last_success_timestamp_seconds{source="hr"} 1795750000');
    expect(text).toContain('kratos_sync_records_quarantined{source="hr"} 3');
    expect(text).toContain('kratos_sync_identities_managed{source="hr"} 1200');
    expect(text).toContain('kratos_sync_jobs_total{type="person.sync",outcome="completed"} 1');
    expect(text).toContain(
      'kratos_sync_job_duration_seconds_count{type="person.sync",outcome="completed"} 1',
    );
    expect(text).toContain('kratos_sync_kratos_requests_total{operation="createIdentity",status="201"} 1');
    expect(text).toContain(
      'kratos_sync_kratos_request_duration_seconds_bucket{le="0.025",operation="createIdentity"} 1',
    );
    expect(text).toMatch(/kratos_sync_queue_jobs\{state="waiting"\} 0/);
    // A source that never ran has no last-success sample (absent, not zero).
    expect(text).not.toContain('kratos_sync_last_success_timestamp_seconds{source="crm"}');
  });
});

describe('queue dashboard', () => {
  it('is served behind HTTP Basic auth', async () => {
    fixture = await startHttpFixture({ http: { auth: { username: 'ops', password: 'dashboard-pass-123' } } });
    const anonymous = await fixture.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="kratos-sync"/);
    const wrong = await fixture.app.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: { authorization: basic('ops', 'guess') },
    });
    expect(wrong.statusCode).toBe(401);
    const page = await fixture.app.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: { authorization: basic('ops', 'dashboard-pass-123') },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<div id="root">');
    const api = await fixture.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: { authorization: basic('ops', 'dashboard-pass-123') },
    });
    expect(api.statusCode).toBe(200);
    expect(api.json<{ queues: Array<{ name: string }> }>().queues.map((q) => q.name)).toEqual(['jobs']);
  });

  it('is not served at all without http.auth, and the logs say so', async () => {
    const logs = captureLogs('info');
    fixture = await startHttpFixture({ logger: logs.logger });
    expect((await fixture.app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(404);
    expect(logs.text()).toContain(
      'http.auth is not configured: the queue dashboard (/admin/queues) is not served',
    );
  });
});
