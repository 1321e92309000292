import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { QUEUE_NAME } from '../../src/queue/runtime-keys.ts';
import { startHttpFixture } from './http-fixture.ts';

type Fixture = Awaited<ReturnType<typeof startHttpFixture>>;
let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const USER = 'ops';
const PASSWORD = 'dashboard-pass-123';
const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const API = '/admin/queues/api/queues/jobs';

/** A job that failed for real: taken by a worker (no processor loop) and failed with its lock token. */
async function failJob(f: Fixture, data: object) {
  await f.queue.add('person.sync', data);
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const worker = new Worker(QUEUE_NAME, undefined, { connection, prefix: f.prefix });
  try {
    const job = (await worker.getNextJob('test-token'))!;
    await job.moveToFailed(new Error('it failed'), 'test-token', false);
    return job;
  } finally {
    await worker.close();
    connection.disconnect();
  }
}

async function jobCounts(f: Fixture) {
  return f.queue.getJobCounts('waiting', 'delayed', 'failed', 'completed', 'active', 'prioritized');
}

// bull-board can add, retry, promote, clean and remove jobs. A job added there skips the guard, the audit
// trail and the operator record (an `offboard.person` with `deleteNow: true` deleted an identity at once),
// so the dashboard must only ever show.
describe('the queue dashboard is read-only', () => {
  it('refuses bull-board add-job with an offboard.person deleteNow payload and adds no job', async () => {
    fixture = await startHttpFixture({ http: { auth: { username: USER, password: PASSWORD } } });
    const before = await jobCounts(fixture);
    const answer = await fixture.app.inject({
      method: 'POST',
      url: `${API}/add`,
      headers: { authorization, 'content-type': 'application/json' },
      payload: {
        name: 'offboard.person',
        data: { source: 'hr', key: 'E5', deleteNow: true, reason: 'dashboard' },
        options: {},
      },
    });
    expect(answer.statusCode).toBeGreaterThanOrEqual(400);
    expect(answer.statusCode).toBeLessThan(500);
    expect(await jobCounts(fixture)).toEqual(before);
    expect(await fixture.queue.getJobs(['waiting', 'delayed', 'prioritized'])).toEqual([]);
  });

  it('refuses job actions (retry, promote, clean, remove, update data) and queue actions, leaving jobs as they were', async () => {
    fixture = await startHttpFixture({ http: { auth: { username: USER, password: PASSWORD } } });
    const failed = await failJob(fixture, { x: 2 });
    const delayed = await fixture.queue.add('person.sync', { x: 1 }, { delay: 3_600_000 });
    const before = await jobCounts(fixture);
    const attempts: Array<{ method: 'PUT' | 'PATCH' | 'POST'; url: string; payload?: object }> = [
      { method: 'PUT', url: `${API}/${delayed.id}/promote` },
      { method: 'PUT', url: `${API}/${failed.id}/retry` },
      { method: 'PUT', url: `${API}/${failed.id}/clean` },
      { method: 'PUT', url: `${API}/retry/failed` },
      { method: 'PUT', url: `${API}/promote` },
      { method: 'PUT', url: `${API}/clean/failed` },
      { method: 'PUT', url: `${API}/clean/delayed` },
      { method: 'PUT', url: `${API}/empty` },
      { method: 'PUT', url: `${API}/pause` },
      { method: 'PUT', url: `${API}/obliterate` },
      { method: 'PUT', url: '/admin/queues/api/queues/pause' },
      { method: 'PATCH', url: `${API}/${delayed.id}/update-data`, payload: { data: { deleteNow: true } } },
      { method: 'PATCH', url: `${API}/${delayed.id}/delay`, payload: { delay: 0 } },
    ];
    for (const attempt of attempts) {
      const answer = await fixture.app.inject({
        method: attempt.method,
        url: attempt.url,
        headers: { authorization, 'content-type': 'application/json' },
        payload: attempt.payload ?? {},
      });
      expect(answer.statusCode, `${attempt.method} ${attempt.url}`).toBe(405);
    }
    expect(await jobCounts(fixture)).toEqual(before);
    expect(await fixture.queue.isPaused()).toBe(false);
    expect((await fixture.queue.getJob(delayed.id!))?.data).toEqual({ x: 1 });
    expect(await fixture.queue.getJobState(delayed.id!)).toBe('delayed');
    expect(await fixture.queue.getJobState(failed.id!)).toBe('failed');
  });

  it('still shows queues and jobs, tells the UI it is read-only, and sends the security headers', async () => {
    fixture = await startHttpFixture({ http: { auth: { username: USER, password: PASSWORD } } });
    await fixture.queue.add('person.sync', { x: 1 }, { delay: 3_600_000 });
    const list = await fixture.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues?activeQueue=jobs&status=delayed&page=1',
      headers: { authorization },
    });
    expect(list.statusCode).toBe(200);
    const queue = list.json<{
      queues: Array<{ name: string; readOnlyMode: boolean; allowRetries: boolean }>;
    }>().queues[0]!;
    expect(queue).toMatchObject({ name: 'jobs', readOnlyMode: true, allowRetries: false });
    for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
      const page = await fixture.app.inject({ method: 'GET', url, headers: { authorization } });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['cache-control']).toBe('no-store');
    }
    const refused = await fixture.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['x-frame-options']).toBe('DENY');
  });
});
