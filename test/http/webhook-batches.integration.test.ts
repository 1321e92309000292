import { afterEach, describe, expect, it } from 'vitest';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { startHttpFixture, WEBHOOK_SECRET } from './http-fixture.ts';

let fixture: Awaited<ReturnType<typeof startHttpFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const NOW = Date.parse('2026-12-01T09:00:00Z');

async function post(body: unknown) {
  fixture ??= await startHttpFixture({
    now: () => new Date(NOW),
    webhook: { personKey: 'events.contact', eventVersion: 'events.version', maxBodyBytes: 65_536 },
  });
  const text = JSON.stringify(body);
  const timestamp = Math.floor(NOW / 1000);
  return await fixture.app.inject({
    method: 'POST',
    url: '/webhooks/hr',
    payload: text,
    headers: {
      'content-type': 'application/json',
      'x-timestamp': String(timestamp),
      'x-signature': signGenericInboundWebhook(WEBHOOK_SECRET, timestamp, text),
    },
  });
}

describe('POST /webhooks/:source with an event naming several people (HubSpot, BambooHR batches)', () => {
  it('enqueues one sync per distinct person key, skipping values that are no key', async () => {
    const res = await post({
      events: [
        { contact: 'C1', version: '2026-11-30T10:00:00Z' },
        { contact: 42 },
        { contact: 'C1' },
        { contact: { nested: true } },
        { contact: '   ' },
      ],
    });
    expect(res.statusCode).toBe(202);
    const { jobId, jobIds } = res.json<{ jobId: string; jobIds: string[] }>();
    expect(jobIds).toHaveLength(2);
    expect(jobId).toBe(jobIds[0]);
    const jobs = await Promise.all(jobIds.map((id) => fixture!.queue.getJob(id)));
    // Several people announce no single version: none is passed on.
    expect(jobs.map((job) => job?.data)).toEqual([
      { source: 'hr', key: 'C1', receivedAt: new Date(NOW).toISOString() },
      { source: 'hr', key: '42', receivedAt: new Date(NOW).toISOString() },
    ]);
  });

  it('keeps the single-person answer and version for an event naming one person', async () => {
    const res = await post({ events: [{ contact: 'C7', version: '2026-11-30T10:00:00Z' }] });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ jobId: expect.any(String) });
    const job = await fixture!.queue.getJob(res.json<{ jobId: string }>().jobId);
    expect(job?.data).toMatchObject({ key: 'C7', eventVersion: '2026-11-30T10:00:00Z' });
  });

  it('answers 422 when no element is a person key', async () => {
    const res = await post({ events: [{ contact: null }, { other: 'x' }] });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'no-person-key' });
  });

  it('takes at most 100 people from one event', async () => {
    const res = await post({ events: Array.from({ length: 130 }, (_, i) => ({ contact: `P${i}` })) });
    expect(res.statusCode).toBe(202);
    expect(res.json<{ jobIds: string[] }>().jobIds).toHaveLength(100);
  });
});
