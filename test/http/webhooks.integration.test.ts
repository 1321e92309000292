import { afterEach, describe, expect, it } from 'vitest';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { employeeEvent, startHttpFixture, WEBHOOK_SECRET } from './http-fixture.ts';

type Fixture = Awaited<ReturnType<typeof startHttpFixture>>;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const NOW = Date.parse('2026-11-27T09:00:00Z');
const nowSeconds = Math.floor(NOW / 1000);

function signed(body: string, options: { timestamp?: number; secret?: string; bare?: boolean } = {}) {
  const timestamp = options.timestamp ?? nowSeconds;
  const signature = signGenericInboundWebhook(options.secret ?? WEBHOOK_SECRET, timestamp, body);
  return {
    'content-type': 'application/json',
    'x-timestamp': String(timestamp),
    'x-signature': options.bare ? signature.replace(/^sha256=/, '') : signature,
  };
}

async function start(options: Parameters<typeof startHttpFixture>[0] = {}) {
  fixture = await startHttpFixture({ now: () => new Date(NOW), ...options });
  return fixture;
}

async function post(f: Fixture, body: string, headers: Record<string, string>, source = 'hr') {
  return await f.app.inject({ method: 'POST', url: `/webhooks/${source}`, payload: body, headers });
}

async function personJobs(f: Fixture) {
  const jobs = await f.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
  return jobs.filter((j) => j.name === 'person.sync');
}

describe('POST /webhooks/:source', () => {
  it('accepts a signed event, answers 202 with the job id and enqueues a sync of that one person', async () => {
    const f = await start();
    const body = employeeEvent('E00042');
    const res = await post(f, body, signed(body));
    expect(res.statusCode).toBe(202);
    const { jobId } = res.json<{ jobId: string }>();
    const job = await f.queue.getJob(jobId);
    expect(job?.name).toBe('person.sync');
    // Identifiers only: the event body (or anything of the record) is not in the job.
    expect(job?.data).toEqual({ source: 'hr', key: 'E00042', receivedAt: new Date(NOW).toISOString() });
  });

  it('passes the version the event announces on to the job, when the source says where to read it', async () => {
    const f = await start({ webhook: { eventVersion: 'data.employee.updated_at' } });
    const body = employeeEvent('E00043', { updated_at: '2026-11-27T08:59:00Z' });
    const res = await post(f, body, signed(body));
    expect(res.statusCode).toBe(202);
    const job = await f.queue.getJob(res.json<{ jobId: string }>().jobId);
    expect(job?.data).toMatchObject({ key: 'E00043', eventVersion: '2026-11-27T08:59:00Z' });
    // An event without one is still accepted (the record's own version decides).
    const bare = employeeEvent('E00044');
    const plain = await post(f, bare, signed(bare));
    expect(plain.statusCode).toBe(202);
    expect((await f.queue.getJob(plain.json<{ jobId: string }>().jobId))?.data).not.toHaveProperty(
      'eventVersion',
    );
  });

  it('queues a leaver event ahead of ordinary events when webhook.leaverEvent marks it', async () => {
    const f = await start({ webhook: { leaverEvent: 'type = "employee.terminated"' } });
    const stateOf = async (body: string) => {
      const res = await post(f, body, signed(body));
      expect(res.statusCode).toBe(202);
      return await f.queue.getJobState(res.json<{ jobId: string }>().jobId);
    };
    // Ordinary events wait behind every job without a priority; a leaver's sync is one of those.
    expect(await stateOf(employeeEvent('E00045'))).toBe('prioritized');
    const leaver = JSON.stringify({ type: 'employee.terminated', data: { employee: { id: 'E00046' } } });
    expect(await stateOf(leaver)).toBe('waiting');
    // A leaver event for someone whose ordinary event is already queued moves that one job ahead.
    const again = JSON.stringify({ type: 'employee.terminated', data: { employee: { id: 'E00045' } } });
    const res = await post(f, again, signed(again));
    const job = await f.queue.getJob(res.json<{ jobId: string }>().jobId);
    expect(job?.data).toEqual({ source: 'hr', key: 'E00045', receivedAt: new Date(NOW).toISOString() });
    expect(await job?.getState()).toBe('waiting');
    expect(await personJobs(f)).toHaveLength(2);
  });

  it('marks only the people leaverEvent names in a batched event', async () => {
    const f = await start({
      webhook: { personKey: 'events.id', leaverEvent: 'events[kind = "terminated"].id' },
    });
    const body = JSON.stringify({
      events: [
        { id: 'E00047', kind: 'updated' },
        { id: 'E00048', kind: 'terminated' },
      ],
    });
    const res = await post(f, body, signed(body));
    expect(res.statusCode).toBe(202);
    const [updated, terminated] = res.json<{ jobIds: string[] }>().jobIds;
    expect(await f.queue.getJobState(updated!)).toBe('prioritized');
    expect(await f.queue.getJobState(terminated!)).toBe('waiting');
  });

  it('accepts a bare hex signature and a numeric person key', async () => {
    const f = await start();
    const body = employeeEvent(42);
    const res = await post(f, body, signed(body, { bare: true }));
    expect(res.statusCode).toBe(202);
    expect((await f.queue.getJob(res.json<{ jobId: string }>().jobId))?.data.key).toBe('42');
  });

  it.each([
    ['signed with another secret', () => signed(employeeEvent('E1'), { secret: 'someone-elses-secret' })],
    ['for another body', () => signed(employeeEvent('E2'))],
    [
      'without a signature',
      () => ({ 'content-type': 'application/json', 'x-timestamp': String(nowSeconds) }),
    ],
    [
      'without a timestamp',
      () => ({
        'content-type': 'application/json',
        'x-signature': signed(employeeEvent('E1'))['x-signature'],
      }),
    ],
    [
      'with a signature that is not hex',
      () => ({ ...signed(employeeEvent('E1')), 'x-signature': 'sha256=not-hex' }),
    ],
  ])('refuses an event %s with 401', async (_case, headers) => {
    const f = await start();
    const res = await post(f, employeeEvent('E1'), headers());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
    expect(await personJobs(f)).toHaveLength(0);
  });

  it.each([
    ['stale', nowSeconds - 301],
    ['from the future', nowSeconds + 301],
  ])(
    'refuses a %s timestamp with 401, and accepts one just inside the tolerance',
    async (_case, timestamp) => {
      const f = await start();
      const body = employeeEvent('E7');
      const res = await post(f, body, signed(body, { timestamp }));
      expect(res.statusCode).toBe(401);
      expect(res.json<{ reason: string }>().reason).toBe('timestamp is outside the 300 s tolerance');
      const inside = timestamp < nowSeconds ? nowSeconds - 299 : nowSeconds + 299;
      expect((await post(f, body, signed(body, { timestamp: inside }))).statusCode).toBe(202);
    },
  );

  it('refuses a replay of an accepted request with 409, also when its signature is re-spelled', async () => {
    const f = await start();
    const body = employeeEvent('E8');
    const headers = signed(body);
    expect((await post(f, body, headers)).statusCode).toBe(202);
    const again = await post(f, body, headers);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'replay' });
    const respelled = {
      ...headers,
      'x-signature': headers['x-signature'].replace('sha256=', '').toUpperCase(),
    };
    expect((await post(f, body, respelled)).statusCode).toBe(409);
  });

  it('refuses a body over maxBodyBytes with 413, by its declared length and by its real size', async () => {
    const f = await start();
    const body = employeeEvent('E9', { note: 'x'.repeat(3000) });
    const res = await post(f, body, signed(body));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'too-large' });
    // The limit holds even when the sender lies about the length (chunked, no content-length).
    const chunked = await f.app.inject({
      method: 'POST',
      url: '/webhooks/hr',
      payload: body,
      headers: { ...signed(body), 'transfer-encoding': 'chunked' },
    });
    expect(chunked.statusCode).toBe(413);
  });

  it('refuses a signed body that is not JSON with 400', async () => {
    const f = await start();
    const body = '{"data": {"employee": ';
    const res = await post(f, body, signed(body));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ reason: string }>().reason).toMatch(/^body is not valid JSON/);
    // JSON.parse's own message quotes the text it choked on; the reason must not.
    const quoting = '{"email": jane@example.com}';
    const quoted = await post(f, quoting, signed(quoting));
    expect(quoted.statusCode).toBe(400);
    expect(quoted.body).not.toContain('jane');
  });

  it('answers 422 with a reason when the event has no person key', async () => {
    const f = await start();
    for (const body of [
      JSON.stringify({ data: {} }),
      employeeEvent(''),
      employeeEvent({ nested: true } as never),
    ]) {
      const res = await post(f, body, signed(body));
      expect(res.statusCode).toBe(422);
      expect(res.json<{ reason: string }>().reason).toBe(
        'the event has no person key (sources.hr.webhook.personKey gave no string or number)',
      );
    }
  });

  it('answers 404 for an unknown source and for a source without webhooks', async () => {
    const f = await start();
    const body = employeeEvent('E1');
    expect((await post(f, body, signed(body), 'payroll')).statusCode).toBe(404);
    expect((await post(f, body, signed(body), 'crm')).json()).toMatchObject({ error: 'unknown-source' });
  });

  it('collapses 100 events for one person into one pending sync', async () => {
    const f = await start();
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const body = employeeEvent('E00100', { seq: i });
      const res = await post(f, body, signed(body));
      expect(res.statusCode).toBe(202);
      ids.add(res.json<{ jobId: string }>().jobId);
    }
    expect(ids.size).toBe(1);
    expect(await personJobs(f)).toHaveLength(1);
  });

  it('never writes the secret or the signature to the logs', async () => {
    const logs = captureLogs('trace');
    const f = await start({ logger: logs.logger });
    const good = employeeEvent('E10');
    const goodHeaders = signed(good);
    await post(f, good, goodHeaders);
    await post(f, good, goodHeaders);
    const forged = signed(employeeEvent('E11'), { secret: 'wrong-secret-value' });
    await post(f, employeeEvent('E11'), forged);
    const text = logs.text();
    expect(text).toContain('webhook refused');
    for (const secret of [
      WEBHOOK_SECRET,
      goodHeaders['x-signature'].slice(7),
      forged['x-signature'].slice(7),
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
