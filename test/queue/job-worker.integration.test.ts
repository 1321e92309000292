import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SyncError } from '../../src/errors/catalogue.ts';
import { Secret } from '../../src/config/secret.ts';
import { KratosError } from '../../src/kratos/errors.ts';
import { createCatalogue, defineJob } from '../../src/queue/job-definition.ts';
import { QUEUE_NAME } from '../../src/queue/runtime-keys.ts';
import { createTestRuntime, waitFor, type TestRuntime } from './helpers.ts';

interface Deps {
  calls: Map<string, number>;
}
const define = defineJob<Deps>();
const fast = { attempts: 4, backoff: { baseMs: 20, maxMs: 100 } };

function countCall(deps: Deps, id: string): number {
  const n = (deps.calls.get(id) ?? 0) + 1;
  deps.calls.set(id, n);
  return n;
}

const failureKinds = ['transient', 'permanent', 'bug', 'rate-limit', 'kratos-down', 'kratos-500'] as const;
function failure(kind: (typeof failureKinds)[number]): Error {
  switch (kind) {
    case 'transient':
      return new SyncError('SYNC_ERR_SOURCE_UNAVAILABLE', 'HR API answered 502');
    case 'permanent':
      return new SyncError('SYNC_ERR_RECORD_INVALID', 'record E-42: traits.email: must match format "email"');
    case 'bug':
      return new TypeError("Cannot read properties of undefined (reading 'traits')");
    case 'rate-limit':
      return new KratosError({
        status: 429,
        operation: 'createIdentity',
        message: 'Kratos 429',
        retryAfterMs: 300,
      });
    case 'kratos-down':
      return new KratosError({ status: 503, operation: 'createIdentity', message: 'Kratos 503' });
    case 'kratos-500':
      return new KratosError({ status: 500, operation: 'createIdentity', message: 'Kratos 500' });
  }
}

const jobs = createCatalogue([
  define({
    name: 'test.echo',
    schema: z.strictObject({ n: z.number() }),
    options: fast,
    async handle({ payload }) {
      return { doubled: payload.n * 2 };
    },
  }),
  define({
    name: 'test.tell',
    // A plain-string result that repeats what a remote system said (here: our own token, echoed).
    schema: z.strictObject({ text: z.string() }),
    options: fast,
    async handle({ payload }) {
      return payload.text;
    },
  }),
  define({
    name: 'test.flaky',
    schema: z.strictObject({ id: z.string(), failures: z.int(), kind: z.enum(failureKinds) }),
    options: fast,
    async handle({ payload, deps }) {
      if (countCall(deps, payload.id) <= payload.failures) throw failure(payload.kind);
      return 'done';
    },
  }),
  define({
    name: 'test.slow',
    schema: z.strictObject({ id: z.string(), ms: z.int() }),
    options: { ...fast, timeoutMs: 400 },
    async handle({ payload, deps, signal }) {
      countCall(deps, payload.id);
      await new Promise((resolve) => setTimeout(resolve, payload.ms));
      if (signal.aborted) throw new Error('aborted');
      return 'slow done';
    },
  }),
  define({
    name: 'test.kratos-bound',
    // Long calls to Kratos (each one would time out and retry on its own when Kratos is gone).
    schema: z.strictObject({ id: z.string() }),
    options: { ...fast, stopWhenKratosDown: true },
    async handle({ payload, deps }) {
      const run = countCall(deps, payload.id);
      if (run === 1) await new Promise((resolve) => setTimeout(resolve, 20_000));
      return run;
    },
  }),
]);

let runtime: TestRuntime<typeof jobs> | undefined;
let deps: Deps;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

function start(options: { ready?: () => Promise<boolean> } = {}) {
  deps = { calls: new Map() };
  runtime = createTestRuntime({ catalogue: jobs, deps, ...options });
  return runtime;
}

async function settled(rt: TestRuntime<typeof jobs>, id: string) {
  return await waitFor(`job ${id} to settle`, async () => {
    const state = await rt.queue.queue.getJobState(id);
    if (state !== 'completed' && state !== 'failed') return false;
    // Read the job after its state settled, so its fields are final.
    const job = await rt.queue.queue.getJob(id);
    return job ? { job, state } : false;
  });
}

describe('job worker', () => {
  it('runs a job and keeps its result', async () => {
    const rt = start();
    rt.startWorker();
    const id = await rt.queue.add('test.echo', { n: 21 });
    const { job, state } = await settled(rt, id);
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ doubled: 42 });
    expect(rt.observer.count('completed', 'test.echo')).toBe(1);
  });

  it('scrubs a plain-string result before BullMQ keeps it (the queue dashboard shows it)', async () => {
    const token = 'configured-token-Hq72Zx';
    Secret.fromConfig(token);
    const rt = start();
    rt.startWorker();
    const id = await rt.queue.add('test.tell', {
      text: `remote said: bad token ${token}; Bearer abc.def.ghi`,
    });
    const { job, state } = await settled(rt, id);
    expect(state).toBe('completed');
    expect(job.returnvalue).toBe('remote said: bad token [redacted]; Bearer [redacted]');
    // What Redis holds, read raw: the job's hash keeps the result; the payload is the test's own input.
    const stored = await rt.redis.hget(rt.queue.queue.toKey(id), 'returnvalue');
    expect(stored).not.toContain('Hq72Zx');
    expect(stored).not.toContain('abc.def.ghi');
  });

  it('refuses an invalid payload at the producer, naming the field', async () => {
    const rt = start();
    await expect(rt.queue.add('test.echo', { n: 'x' } as never)).rejects.toThrow(/SYNC_ERR_JOB_PAYLOAD|n: /);
    await expect(rt.queue.add('test.echo', { n: 'x' } as never)).rejects.toMatchObject({
      code: 'SYNC_ERR_JOB_PAYLOAD',
    });
  });

  it('fails a job whose stored payload does not match its schema at once, without retrying', async () => {
    const rt = start();
    rt.startWorker();
    // A job written by another version of kratos-sync (bypasses the producer's check).
    const raw = new Queue(QUEUE_NAME, { connection: { url: rt.redisUrl }, prefix: rt.prefix });
    const added = await raw.add('test.echo', { n: 'forty-two' }, { attempts: 5 });
    await raw.close();
    const { job, state } = await settled(rt, added.id!);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^SYNC_ERR_JOB_PAYLOAD: test\.echo payload invalid: n: /);
    expect(rt.observer.count('invalid')).toBe(1);
  });

  it('retries a transient failure with backoff until it succeeds', async () => {
    const rt = start();
    rt.startWorker();
    const id = await rt.queue.add('test.flaky', { id: 'a', failures: 2, kind: 'transient' });
    const { job, state } = await settled(rt, id);
    expect(state).toBe('completed');
    // BullMQ counts the successful attempt too: three attempts used out of four.
    expect(job.attemptsMade).toBe(3);
    expect(deps.calls.get('a')).toBe(3);
    expect(rt.observer.count('retried')).toBe(2);
  });

  it('gives up on a transient failure when the attempts are used up', async () => {
    const rt = start();
    rt.startWorker();
    const id = await rt.queue.add('test.flaky', { id: 'b', failures: 99, kind: 'transient' });
    const { job, state } = await settled(rt, id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(4);
    expect(job.failedReason).toBe('SYNC_ERR_SOURCE_UNAVAILABLE: HR API answered 502');
  });

  it.each([
    ['permanent', 'SYNC_ERR_RECORD_INVALID: record E-42: traits.email: must match format "email"'],
    ['bug', "TypeError: Cannot read properties of undefined (reading 'traits')"],
    ['kratos-500', 'SYNC_ERR_KRATOS_REJECTED: Kratos 500'],
  ] as const)('fails a %s error at once and keeps the reason', async (kind, reason) => {
    const rt = start();
    rt.startWorker();
    const id = await rt.queue.add('test.flaky', { id: kind, failures: 99, kind });
    const { job, state } = await settled(rt, id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(deps.calls.get(kind)).toBe(1);
    expect(job.failedReason).toBe(reason);
  });

  it('turns a 429 into a queue-wide wait that does not use an attempt', async () => {
    const rt = start();
    rt.startWorker();
    const started = Date.now();
    const id = await rt.queue.add('test.flaky', { id: 'r', failures: 3, kind: 'rate-limit' });
    const { job, state } = await settled(rt, id);
    expect(state).toBe('completed');
    // Only the successful run used an attempt; the three rate-limited runs did not.
    expect(job.attemptsMade).toBe(1);
    expect(deps.calls.get('r')).toBe(4);
    expect(rt.observer.count('rate_limited')).toBe(3);
    // Three waits of the 300 ms Kratos asked for.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('holds the queue while Kratos is down and resumes when its readiness probe succeeds', async () => {
    let kratosUp = false;
    const rt = start({ ready: async () => kratosUp });
    rt.startWorker();
    const id = await rt.queue.add('test.flaky', { id: 'd', failures: 1, kind: 'kratos-down' });
    await waitFor('the queue to pause', () => rt.outagePause.down);
    // While Kratos is down, other jobs wait too instead of failing.
    const other = await rt.queue.add('test.echo', { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await (await rt.queue.queue.getJob(other))!.getState()).toBe('waiting');
    kratosUp = true;
    const { job, state } = await settled(rt, id);
    expect(state).toBe('completed');
    expect(deps.calls.get('d')).toBe(2);
    expect(job.attemptsMade).toBe(1);
    expect((await settled(rt, other)).state).toBe('completed');
    expect(rt.outagePause.down).toBe(false);
    expect(rt.observer.count('paused')).toBe(1);
  });

  it('stops a running Kratos-bound job at once when Kratos goes down, and runs it again when it is back', async () => {
    let kratosUp = true;
    const rt = start({ ready: async () => kratosUp });
    rt.startWorker();
    const bound = await rt.queue.add('test.kratos-bound', { id: 'k' });
    await waitFor('the bound job to start', () => deps.calls.get('k') === 1);
    kratosUp = false;
    // Another job meets the outage: Kratos is confirmed down, the running bound job is sent back too.
    await rt.queue.add('test.flaky', { id: 'trigger', failures: 1, kind: 'kratos-down' });
    // Generous for a loaded machine, yet well short of the 20 s the first run would take by itself.
    await waitFor(
      'the bound job to be returned',
      () => rt.observer.count('paused', 'test.kratos-bound') === 1,
      15_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)} ${JSON.stringify(rt.observer.events)} down=${rt.outagePause.down}`);
    });
    expect(await rt.queue.queue.getJobState(bound)).toMatch(/^(waiting|active)$/);
    kratosUp = true;
    const { job, state } = await settled(rt, bound);
    expect(state).toBe('completed');
    expect(job.returnvalue).toBe(2);
    expect(job.attemptsMade).toBe(1);
  });

  it('counts a 503 as an ordinary attempt when Kratos answers its readiness probe', async () => {
    const rt = start({ ready: async () => true });
    rt.startWorker();
    const id = await rt.queue.add('test.flaky', { id: 'e', failures: 1, kind: 'kratos-down' });
    const { job, state } = await settled(rt, id);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(2);
  });

  it('keeps only as many completed and failed jobs as configured', async () => {
    const rt = start();
    rt.startWorker({
      keepCompleted: { ageSeconds: 3_600, count: 2 },
      keepFailed: { ageSeconds: 3_600, count: 1 },
    });
    for (let n = 0; n < 5; n++) await rt.queue.add('test.echo', { n });
    for (const id of ['p1', 'p2', 'p3'])
      await rt.queue.add('test.flaky', { id, failures: 9, kind: 'permanent' });
    await waitFor('every job to finish', () => rt.observer.events.length === 8);
    await waitFor('the counts to settle', async () => {
      const counts = await rt.queue.queue.getJobCounts('completed', 'failed');
      return counts.completed === 2 && counts.failed === 1;
    });
  });

  it('aborts a job that outlives its timeout and retries it', async () => {
    const rt = start();
    rt.startWorker();
    const id = await rt.queue.add('test.slow', { id: 's', ms: 2_000 });
    await waitFor('a retry after the timeout', () => rt.observer.count('retried', 'test.slow') >= 1);
    // The observer hears of the retry before BullMQ has recorded the failed attempt: read the job once it has.
    const job = await waitFor('the failed attempt to be recorded', async () => {
      const read = await rt.queue.queue.getJob(id);
      return read?.failedReason ? read : undefined;
    });
    expect(job.attemptsMade).toBeGreaterThanOrEqual(1);
    expect(job.failedReason).toBe('job timed out after 400 ms');
  });
});
