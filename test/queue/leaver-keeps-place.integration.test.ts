import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import { QUEUE_NAME } from '../../src/queue/runtime-keys.ts';
import { uniquePrefix, waitFor } from './helpers.ts';

/**
 * Real Redis, real BullMQ: one worker taking one job at a time, which records the person of every job it
 * runs and holds a job of the person `hold` names until the test lets it go. The job bodies do nothing
 * else: these tests are about the order in which the queue hands the jobs out.
 */
function startQueue() {
  const prefix = uniquePrefix();
  const url = inject('redisUrl');
  const connections: Redis[] = [];
  const connection = () => {
    const client = new Redis(url, { maxRetriesPerRequest: null });
    connections.push(client);
    return client;
  };
  const queueConnection = connection();
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection, prefix });
  const ran: string[] = [];
  const gates = new Map<string, () => void>();
  let hold: string | undefined;
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job<{ key: string }>) => {
      ran.push(job.data.key);
      if (job.data.key !== hold) return;
      await new Promise<void>((resolve) => gates.set(job.id!, resolve));
    },
    { connection: connection(), prefix, concurrency: 1 },
  );
  return {
    queue,
    queueConnection,
    ran,
    holdJobsOf(key: string | undefined) {
      hold = key;
    },
    /** Waits until the worker holds `jobId`, returns the function that lets it finish. */
    async held(jobId: string) {
      return await waitFor(`job ${jobId} to be held`, () => gates.get(jobId));
    },
    async close() {
      for (const release of gates.values()) release();
      await worker.close(true);
      await queue.obliterate({ force: true });
      await queue.close();
      for (const client of connections) client.disconnect();
    },
  };
}

let current: ReturnType<typeof startQueue> | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const event = (key: string, leaver = false) => ({
  source: 'hr',
  key,
  receivedAt: new Date().toISOString(),
  ...(leaver ? { leaver: true } : {}),
});

describe('a leaver event that waits behind its person’s running job', () => {
  it('keeps its place ahead of the backlog when an ordinary event for that person follows it', async () => {
    const q = (current = startQueue());
    q.holdJobsOf('p');
    const running = await enqueuePersonSync(q.queue, event('p'));
    const release = await q.held(running);
    // A backlog of ordinary events for other people, then the person leaves (the event becomes the one
    // follow-up job of the running one), then one more ordinary event for that person arrives.
    for (const key of ['a', 'b', 'c', 'd']) await enqueuePersonSync(q.queue, event(key));
    expect(await enqueuePersonSync(q.queue, event('p', true))).toBe(running);
    expect(await enqueuePersonSync(q.queue, event('p'))).toBe(running);
    q.holdJobsOf(undefined);
    release();
    await waitFor('every job to run', () => q.ran.length === 6);
    // The follow-up (the leaver's, with the last event's data) runs before the backlog queued ahead of it.
    expect(q.ran).toEqual(['p', 'p', 'a', 'b', 'c', 'd']);
  });

  it('keeps its place when several ordinary events for that person follow it', async () => {
    const q = (current = startQueue());
    q.holdJobsOf('p');
    const running = await enqueuePersonSync(q.queue, event('p'));
    const release = await q.held(running);
    await enqueuePersonSync(q.queue, event('a'));
    await enqueuePersonSync(q.queue, event('p', true));
    for (let n = 0; n < 3; n++) await enqueuePersonSync(q.queue, event('p'));
    await enqueuePersonSync(q.queue, event('b'));
    q.holdJobsOf(undefined);
    release();
    await waitFor('every job to run', () => q.ran.length === 4);
    expect(q.ran).toEqual(['p', 'p', 'a', 'b']);
  });

  it('gives an ordinary event that arrives while the leaver’s own job runs the ordinary place', async () => {
    const q = (current = startQueue());
    q.holdJobsOf('p');
    const running = await enqueuePersonSync(q.queue, event('p'));
    const releaseFirst = await q.held(running);
    await enqueuePersonSync(q.queue, event('p', true));
    releaseFirst();
    // The leaver's follow-up is now the running job: the leaver is being handled.
    const leaverJob = await waitFor('the leaver’s follow-up to run', async () => {
      const active = await q.queue.getJobs(['active']);
      return active.find((job) => job.id !== running)?.id;
    });
    const releaseLeaver = await q.held(leaverJob);
    for (const key of ['a', 'b']) await enqueuePersonSync(q.queue, event(key));
    await enqueuePersonSync(q.queue, event('p'));
    q.holdJobsOf(undefined);
    releaseLeaver();
    await waitFor('every job to run', () => q.ran.length === 5);
    expect(q.ran).toEqual(['p', 'p', 'a', 'b', 'p']);
  });

  it('still takes a leaver event into an ordinary job that waits, ahead of the backlog', async () => {
    const q = (current = startQueue());
    await q.queue.pause();
    for (const key of ['a', 'p', 'b']) await enqueuePersonSync(q.queue, event(key));
    await enqueuePersonSync(q.queue, event('p', true));
    // A later ordinary event joins the same waiting job and leaves it where the leaver put it.
    await enqueuePersonSync(q.queue, event('p'));
    await q.queue.resume();
    await waitFor('every job to run', () => q.ran.length === 3);
    expect(q.ran).toEqual(['p', 'a', 'b']);
  });
});

/** Records the name of every command the queue's own connection sends from now on (a spy, not a mock). */
function recordCommands(client: Redis): string[] {
  const sent: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    sent.push(command.name.toLowerCase());
    return send(command, stream);
  };
  return sent;
}

describe('the leaver mark’s read', () => {
  it('costs an ordinary event for a person with nothing pending no GET, only its add', async () => {
    const q = (current = startQueue());
    await q.queue.pause();
    // First add loads BullMQ's script on this connection; the counted ones send it by SHA.
    await enqueuePersonSync(q.queue, event('warm-up'));
    const sent = recordCommands(q.queueConnection);
    for (const key of ['a', 'b', 'c']) await enqueuePersonSync(q.queue, event(key));
    expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha']);
  });

  it('still reads the mark when the event folds into the person’s waiting job', async () => {
    const q = (current = startQueue());
    await q.queue.pause();
    const waiting = await enqueuePersonSync(q.queue, event('p'));
    const sent = recordCommands(q.queueConnection);
    expect(await enqueuePersonSync(q.queue, event('p'))).toBe(waiting);
    expect(sent).toEqual(['evalsha', 'get']);
  });
});
