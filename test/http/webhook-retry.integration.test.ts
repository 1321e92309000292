import { afterEach, describe, expect, it } from 'vitest';
import { personSyncPayload } from '../../jobs/person-sync.ts';
import type { EnqueuePerson } from '../../src/http/routes/webhooks.ts';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { employeeEvent, startHttpFixture, WEBHOOK_SECRET } from './http-fixture.ts';

// A sender told "not accepted" (any non-2xx) must be able to send the same signed request again and have it
// accepted: only an accepted request counts for the replay check.

type Fixture = Awaited<ReturnType<typeof startHttpFixture>>;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const NOW = Date.parse('2026-11-27T09:00:00Z');

function signed(body: string) {
  const timestamp = Math.floor(NOW / 1000);
  return {
    'content-type': 'application/json',
    'x-timestamp': String(timestamp),
    'x-signature': signGenericInboundWebhook(WEBHOOK_SECRET, timestamp, body),
  };
}

async function post(f: Fixture, body: string) {
  return await f.app.inject({ method: 'POST', url: '/webhooks/hr', payload: body, headers: signed(body) });
}

/** An enqueue that fails the way a queue whose Redis command failed does, `times` times. */
function failingFirst(times: number) {
  let calls = 0;
  return (enqueue: EnqueuePerson): EnqueuePerson =>
    async (request) => {
      calls++;
      if (calls <= times) throw new Error('Connection is closed.');
      return await enqueue(request);
    };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('a webhook that was not accepted can be sent again', () => {
  it('a request answered 503 (the queue failed) is accepted when the sender retries it, then is a replay', async () => {
    const f = (fixture = await startHttpFixture({ now: () => new Date(NOW), wrapEnqueue: failingFirst(1) }));
    const body = employeeEvent('E00501');
    const first = await post(f, body);
    expect(first.statusCode).toBe(503);
    expect(first.json()).toMatchObject({ error: 'unavailable' });
    expect(await f.queue.getJobs(['waiting', 'prioritized'])).toHaveLength(0);

    const retried = await post(f, body);
    expect(retried.statusCode).toBe(202);
    const job = await f.queue.getJob(retried.json<{ jobId: string }>().jobId);
    expect(job?.data).toMatchObject({ source: 'hr', key: 'E00501' });

    // Accepted once: now it is a replay.
    expect((await post(f, body)).statusCode).toBe(409);
  });

  it('a request refused for its content (400, 422) is not remembered either: the same answer comes back', async () => {
    const f = (fixture = await startHttpFixture({ now: () => new Date(NOW) }));
    const noKey = JSON.stringify({ data: {} });
    expect((await post(f, noKey)).statusCode).toBe(422);
    expect((await post(f, noKey)).statusCode).toBe(422);
    const notJson = '{"data": ';
    expect((await post(f, notJson)).statusCode).toBe(400);
    expect((await post(f, notJson)).statusCode).toBe(400);
  });

  it('two concurrent deliveries of one event: one is accepted, the other is told to retry, never a false 409', async () => {
    const gate = deferred();
    let calls = 0;
    const slowThenFail =
      (enqueue: EnqueuePerson): EnqueuePerson =>
      async (request) => {
        calls++;
        if (calls === 1) {
          await gate.promise;
          throw new Error('Connection is closed.');
        }
        return await enqueue(request);
      };
    const f = (fixture = await startHttpFixture({ now: () => new Date(NOW), wrapEnqueue: slowThenFail }));
    const body = employeeEvent('E00502');
    const first = post(f, body);
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(1); // vitest's 1 s is short under load
    // The same request while the first is still being enqueued: not accepted yet, so not a replay.
    const second = await post(f, body);
    expect(second.statusCode).toBe(503);
    expect(second.json()).toMatchObject({ error: 'in-flight' });
    expect(second.headers['retry-after']).toBeDefined();
    gate.resolve();
    expect((await first).statusCode).toBe(503);
    // The first failed: its claim is gone, and the sender's retry is accepted.
    expect((await post(f, body)).statusCode).toBe(202);
    expect((await post(f, body)).statusCode).toBe(409);
  });

  it('two concurrent deliveries that both succeed enqueue one job and answer 202 once', async () => {
    const f = (fixture = await startHttpFixture({ now: () => new Date(NOW) }));
    const body = employeeEvent('E00503');
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(f, body)));
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.every((c) => c === 202 || c === 409 || c === 503)).toBe(true);
    expect(
      (await f.queue.getJobs(['waiting', 'prioritized'])).filter((j) => j.name === 'person.sync'),
    ).toHaveLength(1);
  });
});

describe('the event version limit agrees between the route and the job', () => {
  it('a version the job would refuse is left out (the job still syncs the person); one at the limit passes', async () => {
    const f = (fixture = await startHttpFixture({
      now: () => new Date(NOW),
      webhook: { eventVersion: 'data.employee.version' },
    }));
    for (const [key, version, kept] of [
      ['E00510', 'v'.repeat(200), false],
      ['E00511', 'v'.repeat(128), true],
    ] as const) {
      const body = employeeEvent(key, { version });
      const res = await post(f, body);
      expect(res.statusCode).toBe(202);
      const job = await f.queue.getJob(res.json<{ jobId: string }>().jobId);
      // What the worker will check when it takes the job.
      const parsed = personSyncPayload.safeParse(job?.data);
      expect(parsed.success).toBe(true);
      expect(parsed.data?.eventVersion).toBe(kept ? version : undefined);
    }
  });
});
