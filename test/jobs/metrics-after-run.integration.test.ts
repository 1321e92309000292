import { afterEach, describe, expect, it } from 'vitest';
import { people } from '../sync/engine-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics after a full sync', () => {
  it('shows jobs by type and outcome, their durations, Kratos calls, last success, quarantine and managed', async () => {
    const h = (harness = await startRuntimeHarness({
      people: people(120),
      extraLines: ['E90001,Bad,Record,broken-email,,active,', 'E90002,Also,Bad,,,active,'],
    }));
    const replica = await h.startReplica(['worker', 'http']);
    const before = Math.floor(Date.now() / 1000);
    const { state } = await h.waitForJob(await h.enqueueFullSync());
    expect(state).toBe('completed');
    const res = await replica.http!.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(sample(text, 'kratos_sync_jobs_total', '{type="sync.full",outcome="completed"}')).toBe(1);
    expect(sample(text, 'kratos_sync_jobs_total', '{type="sync.apply",outcome="completed"}')).toBe(2);
    expect(
      sample(text, 'kratos_sync_job_duration_seconds_count', '{type="sync.apply",outcome="completed"}'),
    ).toBe(2);
    expect(
      sample(text, 'kratos_sync_kratos_requests_total', '{operation="batchCreateIdentities",status="200"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'kratos_sync_kratos_requests_total', '{operation="listIdentities",status="200"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(
        text,
        'kratos_sync_kratos_request_duration_seconds_count',
        '{operation="batchCreateIdentities"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    const lastSuccess = sample(text, 'kratos_sync_last_success_timestamp_seconds', '{source="hr"}');
    expect(lastSuccess).toBeGreaterThanOrEqual(before);
    expect(lastSuccess).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(sample(text, 'kratos_sync_records_quarantined', '{source="hr"}')).toBe(2);
    expect(sample(text, 'kratos_sync_identities_managed', '{source="hr"}')).toBe(120);
    expect(sample(text, 'kratos_sync_queue_jobs', '{state="completed"}')).toBe(3);
    expect(sample(text, 'kratos_sync_kratos_available')).toBe(1);
    // No person key or record value is ever a label.
    expect(text).not.toMatch(/E000\d\d|example\.com/);
  });
});
