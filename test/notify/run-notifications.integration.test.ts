import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildContext } from '../../src/app/build-context.ts';
import { verifyOutboundWebhook } from '../../src/delivery/outbound-signature.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { RunNotifier } from '../../src/notify/run-notifier.ts';
import { runStoreFor } from '../../src/sync/apply-deps.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { syncPerson } from '../../src/sync/sync-person.ts';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { startSmtpSink, type SmtpSink } from '../delivery/support/smtp-sink.ts';
import { startRuntimeHarness, type RuntimeHarness } from '../jobs/runtime-harness.ts';
import { waitFor } from '../queue/helpers.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { people, startHarness, type Harness } from '../sync/engine-harness.ts';
import { startNoticeReceiver, type NoticeReceiver } from './support/notice-receiver.ts';

const SECRET = 'notify-signing-secret-0123456789';
const PUBLIC_URL = 'https://kratos-sync.ops.example.com';

let receiver: NoticeReceiver | undefined;
let sink: SmtpSink | undefined;
let runtime: RuntimeHarness | undefined;
let engine: Harness | undefined;
afterEach(async () => {
  await runtime?.close();
  await engine?.release();
  await receiver?.stop();
  await sink?.stop();
  runtime = engine = receiver = sink = undefined;
});

/** `notify:` to the local receiver and the SMTP sink, `http.publicUrl` set, SMTP via `delivery.smtp`. */
function notifyConfig(r: NoticeReceiver, s: SmtpSink, extra: Record<string, unknown> = {}) {
  return {
    notify: {
      webhook: { url: r.url, secret: SECRET },
      email: { to: ['it-ops@example.com', 'security@example.com'], subjectPrefix: '[prod]' },
      ...extra,
    },
    delivery: { smtp: { host: '127.0.0.1', port: s.port, from: 'kratos-sync <sync@example.com>' } },
  };
}

/** Wait for the notifications the engine context's notifier has started (it sends in the background). */
const settled = (h: Harness) => (h.ctx.runObserver as RunNotifier).settled();

async function started() {
  receiver = await startNoticeReceiver();
  sink = await startSmtpSink();
  return { r: receiver, s: sink };
}

describe('run notifications (queue: sync.full split over the workers)', () => {
  it('announces a held run once: one signed Slack-compatible webhook and one email, both linking the console run page', async () => {
    const { r, s } = await started();
    const h = (runtime = await startRuntimeHarness({
      people: people(20),
      source: { guard: { maxRemoveFraction: 0.5, maxRemoveCount: 2 } },
      config: {
        ...notifyConfig(r, s),
        http: { port: 0, host: '127.0.0.1', publicUrl: PUBLIC_URL },
      },
    }));
    const replica = await h.startReplica();
    // A first run creates everyone: completed, nothing to tell.
    const first = await h.waitForJob(await h.enqueueFullSync());
    expect((first.job.returnvalue as SyncFullResult).status).toBe('completed');
    // Eight people vanish from the export: more removals than the guard allows.
    h.writePeople(people(12));
    const { job } = await h.waitForJob(await h.enqueueFullSync());
    const { runId, status } = job.returnvalue as SyncFullResult;
    expect(status).toBe('held');
    await waitFor('the webhook and the email', () => r.received.length >= 1 && s.messages.length >= 1);

    const [notice] = r.received;
    expect(r.received).toHaveLength(1);
    expect(notice!.headers['content-type']).toBe('application/json');
    expect(notice!.headers['x-kratos-sync-event']).toBe('run.held');
    expect(notice!.headers['x-kratos-sync-delivery-id']).toBe(`run-notice.${runId}.held`);
    // Signed exactly as delivery webhooks are: a receiver checks it with the same key and rule.
    const signature = notice!.headers['x-kratos-sync-signature'] as string;
    expect(verifyOutboundWebhook(SECRET, notice!.body, signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyOutboundWebhook('another-key-entirely', notice!.body, signature, Date.now() / 1000)).toBe(
      false,
    );
    // A Slack incoming-webhook body: `text` and Block Kit `blocks`, nothing else.
    const body = JSON.parse(notice!.body) as { text: string; blocks: Array<Record<string, any>> };
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    const link = `${PUBLIC_URL}/console/runs/${runId}`;
    expect(body.text).toContain('run of hr is held');
    expect(body.text).toContain(`<${link}|open the run>`);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'kratos-sync: run of hr is held: removals wait for approval' },
    });
    const facts = JSON.stringify(body.blocks);
    expect(facts).toContain(runId);
    expect(facts).toContain('deactivate 0/8');
    expect(facts).toContain('8 held');
    expect(body.blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', url: link }],
    });

    const [mail] = s.messages;
    expect(s.messages).toHaveLength(1);
    expect(mail!.to).toEqual(['it-ops@example.com', 'security@example.com']);
    expect(mail!.raw).toMatch(/^Subject: \[prod\] kratos-sync: run of hr is held/m);
    expect(mail!.decoded).toContain(`Run: ${runId}`);
    expect(mail!.decoded).toContain(`Run page: ${link}`);
    expect(mail!.messageId).toBe(`<run-notice.${runId}.held@example.com>`);

    // Counted in the worker's metrics, once each send has returned (the mail server has the message a
    // moment before the sender hears its answer, so wait for both counts).
    const counted = (metrics: string) => (metrics.match(/outcome="sent"\} 1/g) ?? []).length >= 2;
    const metrics = await waitFor('both notifications counted', async () => {
      const text = await replica.metrics.registry.getSingleMetricAsString('kratos_sync_notifications_total');
      return counted(text) ? text : undefined;
    });
    expect(metrics).toContain(
      'kratos_sync_notifications_total{event="held",channel="webhook",outcome="sent"} 1',
    );
    expect(metrics).toContain(
      'kratos_sync_notifications_total{event="held",channel="email",outcome="sent"} 1',
    );

    // Another process (a retried finish step, a second replica) stores the same held run again: the claim
    // in Redis keeps it quiet.
    const other = await buildContext({
      config: h.config,
      baseDir: h.dir,
      logger: silentLogger(),
      redis: h.redis,
    });
    const runs = runStoreFor(other.ctx);
    await runs.save((await runs.get(runId))!);
    await other.release(); // waits for any notification it started
    expect(r.received).toHaveLength(1);
    expect(s.messages).toHaveLength(1);
  });

  it('a notify endpoint that keeps failing does not fail the run: tried 3 times, logged without the URL token, counted', async () => {
    const { r, s } = await started();
    r.answer(503);
    const logs = captureLogs('info');
    const h = (runtime = await startRuntimeHarness({
      people: people(20),
      source: { guard: { maxRemoveFraction: 0.5, maxRemoveCount: 2 } },
      config: notifyConfig(r, s),
      logger: logs.logger,
    }));
    const replica = await h.startReplica();
    await h.waitForJob(await h.enqueueFullSync());
    h.writePeople(people(12));
    const { job, state } = await h.waitForJob(await h.enqueueFullSync());
    expect(state).toBe('completed');
    expect((job.returnvalue as SyncFullResult).status).toBe('held');
    // The email channel is not held back by the failing webhook.
    await waitFor('the email', () => s.messages.length === 1);
    const failedSends = async () =>
      (await replica.metrics.registry.getSingleMetricAsString('kratos_sync_notifications_total')).includes(
        'kratos_sync_notifications_total{event="held",channel="webhook",outcome="failed"} 1',
      );
    await waitFor('the failed webhook to be counted', failedSends, 30_000);
    // Retried while the receiver said 503 (1 s, then 5 s later), then given up.
    expect(r.received).toHaveLength(3);
    const text = logs.text();
    expect(text).toContain('run notification failed');
    expect(text).toContain('notify.webhook delivery failed (HTTP 503)');
    expect(text).not.toContain(r.token);
    expect(text).not.toContain(SECRET);
    // No run notification went out without a link: without http.publicUrl there is none.
    expect(s.messages[0]!.decoded).not.toContain('Run page:');
  });
});

// 30 s for the failed attempt and 90 s for the retried run: more than the everyday 60 s per test.
describe('run notifications (queue: a failed attempt that will run again)', { timeout: 180_000 }, () => {
  it('does not announce a run as failed while the queue will retry it, nor once it completes', async () => {
    const { r, s } = await started();
    const h = (runtime = await startRuntimeHarness({ people: people(10), config: notifyConfig(r, s) }));
    await h.startReplica();
    await h.waitForJob(await h.enqueueFullSync());
    // Kratos stops answering while the next run plans: that attempt fails, and the queue keeps the job.
    h.sim.setFaults({ unavailable: true });
    const id = await h.enqueueFullSync();
    const runs = runStoreFor({ redis: h.redis, config: h.config } as never);
    const failedAttempt = await waitFor(
      'the failed attempt to be stored',
      async () => (await runs.list({ source: 'hr', limit: 5 })).find((run) => run.status === 'failed'),
      30_000,
    );
    expect(failedAttempt.retryScheduled).toBe(true);
    h.sim.setFaults({});
    const { job, state } = await h.waitForJob(id, 90_000);
    expect(state).toBe('completed');
    expect((job.returnvalue as SyncFullResult).runId).toBe(failedAttempt.id);
    expect((await runs.get(failedAttempt.id))?.status).toBe('completed');
    expect(r.received).toHaveLength(0);
    expect(s.messages).toHaveLength(0);
  });
});

describe('run notifications (engine: the CLI full sync and single-person syncs)', () => {
  it('announces a run that failed (Kratos answers 503) and one whose source broke, each once', async () => {
    const { r, s } = await started();
    const h = (engine = await startHarness({
      api: 'v26',
      people: people(10),
      config: { ...notifyConfig(r, s), http: { publicUrl: PUBLIC_URL } },
    }));
    expect((await runFullSync(h.ctx, 'hr', { trigger: 'cli' })).status).toBe('completed');

    h.sim.setFaults({ unavailable: true });
    const failed = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    h.sim.setFaults({});
    expect(failed.status).toBe('failed');
    await settled(h);
    expect(r.received).toHaveLength(1);
    const failedBody = JSON.parse(r.received[0]!.body) as { text: string };
    expect(r.received[0]!.headers['x-kratos-sync-event']).toBe('run.failed');
    expect(failedBody.text).toContain('run of hr failed');
    expect(failedBody.text).toContain('SYNC_ERR_KRATOS_UNAVAILABLE');
    expect(failedBody.text).toContain(`${PUBLIC_URL}/console/runs/${failed.id}`);

    // The export disappears: the source errors, nothing is removed, and someone is told.
    rmSync(path.join(h.dir, 'people.csv'));
    const broken = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(broken.status).toBe('partial');
    expect(broken.snapshot.complete).toBe(false);
    await settled(h);
    expect(r.received).toHaveLength(2);
    expect(r.received[1]!.headers['x-kratos-sync-event']).toBe('run.partial');
    const brokenBody = JSON.parse(r.received[1]!.body) as { text: string };
    expect(brokenBody.text).toContain('SYNC_ERR_SOURCE_UNAVAILABLE');
    expect(brokenBody.text).toContain('no one was deactivated or deleted');
    expect(s.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw)?.[1])).toEqual([
      '[prod] kratos-sync: run of hr failed',
      '[prod] kratos-sync: run of hr finished partially',
    ]);
  });

  it('announces a single-person removal the guard holds (a webhook-driven leaver), once', async () => {
    const { r, s } = await started();
    const h = (engine = await startHarness({
      api: 'v26',
      people: people(5),
      // "A human approves every removal": even one leaver waits for approval.
      source: { guard: { maxRemoveFraction: 0.5, maxRemoveCount: 0 } },
      config: { ...notifyConfig(r, s), http: { publicUrl: PUBLIC_URL } },
    }));
    expect((await runFullSync(h.ctx, 'hr', { trigger: 'cli' })).status).toBe('completed');
    h.writePeople([...people(4), { ...people(1, 5)[0]!, status: 'terminated' }]);
    const outcome = await syncPerson(h.ctx, 'hr', 'E00005', { trigger: 'webhook' });
    expect(outcome.status).toBe('held');
    await settled(h);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.headers['x-kratos-sync-event']).toBe('run.held');
    const body = JSON.parse(r.received[0]!.body) as { text: string; blocks: unknown[] };
    expect(body.text).toContain(`${PUBLIC_URL}/console/runs/${outcome.runId}`);
    expect(JSON.stringify(body.blocks)).toContain('1 held');
    expect(s.messages).toHaveLength(1);
    // The same event delivered again finds the person's removal already held: nothing new is announced.
    await syncPerson(h.ctx, 'hr', 'E00005', { trigger: 'webhook', runId: outcome.runId });
    await settled(h);
    expect(r.received).toHaveLength(1);
  });

  it('announces a partial run above notify.partialAbove, and not one below it', async () => {
    const { r, s } = await started();
    const bad = (n: number) =>
      Array.from({ length: n }, (_, i) => `E9${String(i).padStart(4, '0')},Bad,Row,not-an-email,,active,`);
    const h = (engine = await startHarness({
      api: 'v26',
      people: people(40),
      config: notifyConfig(r, s, { partialAbove: { fraction: 0.05 } }),
    }));
    // 1 bad record of 41 read (2.4 %): partial, below the threshold.
    h.writePeople(people(40), bad(1));
    const below = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(below.status).toBe('partial');
    expect(below.quarantined.total).toBe(1);
    await settled(h);
    expect(r.received).toHaveLength(0);
    // 4 bad records of 44 (9.1 %): above.
    h.writePeople(people(40), bad(4));
    const above = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(above.status).toBe('partial');
    await settled(h);
    expect(r.received).toHaveLength(1);
    const body = JSON.parse(r.received[0]!.body) as { text: string; blocks: unknown[] };
    expect(body.text).toContain('4 record(s) quarantined and 0 failed, 9.1 % of 44 read');
    expect(JSON.stringify(body.blocks)).toContain(above.id);
    // No http.publicUrl here: no link, no button.
    expect(JSON.stringify(body)).not.toContain('/console/runs/');
    expect(s.messages).toHaveLength(1);
  });
});
