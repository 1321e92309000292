import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { onboardingQueueOf } from '../../src/lifecycle/lifecycle-host.ts';
import { createDeliveryStore } from '../../src/store/delivery-store.ts';
import { linksIn, startSmtpSink, type SmtpSink } from '../delivery/support/smtp-sink.ts';
import { createManagedIdentity, startHarness, type Harness } from './support/harness.ts';
import { dumpRedis, findLeaks, simSecrets } from './support/secret-scan.ts';

const WORKER = path.join(import.meta.dirname, 'support/invite-worker-process.ts');

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The job once it has completed. A job read before its state is asked can complete in between, and then holds
 * no return value: read it again once it is known to be complete.
 */
async function completedJob(queue: Queue, id: string) {
  const job = await queue.getJob(id);
  if ((await job?.getState()) !== 'completed') return undefined;
  return queue.getJob(id);
}

describe('a new hire gets exactly one working link when the worker dies mid-delivery', () => {
  let h: Harness;
  let sink: SmtpSink;
  let queue: Queue;
  const children: ChildProcess[] = [];
  const output: string[] = [];

  afterEach(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await queue.close();
    await sink.stop();
    await h.close();
  });

  function startWorker(crash: boolean): {
    child: ChildProcess;
    exited: Promise<NodeJS.Signals | number | null>;
  } {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        SIM_URL: h.sim.adminUrl,
        REDIS_URL: inject('redisUrl'),
        PREFIX: h.prefix,
        SMTP_PORT: String(sink.port),
        CRASH_AFTER_ISSUE: crash ? '1' : '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    return { child, exited };
  }

  it('is SIGKILLed after issuing, and the next worker sends one email with a new link that works', async () => {
    h = await startHarness({ api: 'v26', redisUrl: inject('redisUrl') });
    sink = await startSmtpSink();
    queue = new Queue('jobs', { connection: h.redis, prefix: h.prefix });
    const identity = await createManagedIdentity(h.kratos, { key: 'K1', email: 'kim.new@example.com' });
    const deliveries = createDeliveryStore({ redis: h.redis, prefix: h.prefix, now: () => new Date() });
    const data = { source: 'hr', key: 'K1', identityId: identity.id, inviteId: identity.id, attempt: 1 };
    await onboardingQueueOf(queue).add('onboard.deliver', data, {
      jobId: `onboard-deliver.${identity.id}.1`,
    });

    const crashing = startWorker(true);
    expect(await crashing.exited).toBe('SIGKILL');
    expect((await deliveries.get(`${identity.id}.1`))?.state).toBe('issued');
    expect(sink.messages).toHaveLength(0);

    const healthy = startWorker(false);
    const job = await waitFor('the invite job to complete', () =>
      completedJob(queue, `onboard-deliver.${identity.id}.1`),
    );
    expect(job!.returnvalue).toMatchObject({ outcome: 'sent' });
    // Give a duplicate every chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    healthy.child.kill('SIGTERM');
    await healthy.exited;

    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.to).toEqual(['kim.new@example.com']);
    const flows = [...h.sim.state.recoveryFlows.values()].filter((f) => f.identity_id === identity.id);
    expect(flows).toHaveLength(2); // the first link died with the worker, unsent
    const links = linksIn(sink.messages[0]!);
    expect(links).toHaveLength(1);
    expect(h.sim.useRecoveryLink(links[0]!)).toMatchObject({ ok: true, identityId: identity.id });
    expect(await deliveries.get(`${identity.id}.1`)).toMatchObject({ state: 'sent', claims: 2 });

    const leaks = findLeaks(
      [output.join(''), ...(await dumpRedis(h.redis, `${h.prefix}*`))],
      simSecrets(h.sim),
    );
    expect(leaks).toEqual([]);
  }, 90_000);

  it('is SIGKILLed inside the SMTP exchange: the invite is reported uncertain, re-issued after reissueAfter (default 24h), and the link works', async () => {
    h = await startHarness({ api: 'v26', redisUrl: inject('redisUrl') });
    sink = await startSmtpSink();
    queue = new Queue('jobs', { connection: h.redis, prefix: h.prefix });
    const identity = await createManagedIdentity(h.kratos, { key: 'K2', email: 'kai.new@example.com' });
    const deliveries = createDeliveryStore({ redis: h.redis, prefix: h.prefix, now: () => new Date() });
    const data = { source: 'hr', key: 'K2', identityId: identity.id, inviteId: identity.id, attempt: 1 };
    await onboardingQueueOf(queue).add('onboard.deliver', data, {
      jobId: `onboard-deliver.${identity.id}.1`,
    });

    // The message reaches the mail server, which has not answered the final dot when the worker dies: it
    // may or may not go out, so it is never sent again as it was.
    sink.holdAfterData(true);
    const dying = startWorker(false);
    await waitFor('the message to reach the mail server', () => sink.held === 1);
    dying.child.kill('SIGKILL');
    await dying.exited;
    expect((await deliveries.get(`${identity.id}.1`))?.state).toBe('sending');
    sink.holdAfterData(false);

    const healthy = startWorker(false);
    const first = await waitFor('the first delivery to settle', () =>
      completedJob(queue, `onboard-deliver.${identity.id}.1`),
    );
    expect(first.returnvalue).toMatchObject({ outcome: 'uncertain' });
    expect(sink.messages).toHaveLength(0);
    // Reported, not silent: the uncertain index feeds run reports, the console and the metric.
    expect(await deliveries.listUncertain()).toEqual([
      expect.objectContaining({ deliveryId: `${identity.id}.1`, source: 'hr', key: 'K2', attempt: 1 }),
    ]);
    expect(await deliveries.countUncertain()).toEqual(new Map([['hr', 1]]));

    // The activation check waits a day (the default reissueAfter) from the hand-over. Advance the queue's
    // clock: the delayed check is due now.
    const check = await queue.getJob(`onboard-check.${identity.id}`);
    expect(await check?.getState()).toBe('delayed');
    expect(check!.delay).toBeGreaterThan(23 * 3_600_000);
    expect(check!.delay).toBeLessThanOrEqual(24 * 3_600_000);
    await check!.promote();

    const reissued = await waitFor('the re-issued invite to go out', () =>
      completedJob(queue, `onboard-deliver.${identity.id}.2`),
    );
    expect(reissued.returnvalue).toMatchObject({ outcome: 'sent' });
    healthy.child.kill('SIGTERM');
    await healthy.exited;

    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.to).toEqual(['kai.new@example.com']);
    const links = linksIn(sink.messages[0]!);
    expect(links).toHaveLength(1);
    expect(h.sim.useRecoveryLink(links[0]!)).toMatchObject({ ok: true, identityId: identity.id });
    // Settled: the re-issue went out.
    expect(await deliveries.listUncertain()).toEqual([]);

    const leaks = findLeaks(
      [output.join(''), ...(await dumpRedis(h.redis, `${h.prefix}*`))],
      simSecrets(h.sim),
    );
    expect(leaks).toEqual([]);
  }, 90_000);
});
