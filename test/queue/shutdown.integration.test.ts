import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCatalogue, defineJob } from '../../src/queue/job-definition.ts';
import { createTestRuntime, waitFor, type TestRuntime } from './helpers.ts';

interface Deps {
  runs: Map<string, number>;
  finished: string[];
}
const define = defineJob<Deps>();

const jobs = createCatalogue([
  define({
    name: 'test.work',
    // The first run of a job takes `firstRunMs`, later runs are quick.
    schema: z.strictObject({ id: z.string(), firstRunMs: z.int() }),
    options: { attempts: 3, backoff: { baseMs: 50, maxMs: 100 }, timeoutMs: 60_000 },
    async handle({ payload, deps }) {
      const run = (deps.runs.get(payload.id) ?? 0) + 1;
      deps.runs.set(payload.id, run);
      if (run === 1) await new Promise((resolve) => setTimeout(resolve, payload.firstRunMs));
      deps.finished.push(payload.id);
      return { run };
    },
  }),
]);

let runtime: TestRuntime<typeof jobs> | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe('graceful shutdown of a worker', () => {
  it('lets an active job finish when it ends within the shutdown timeout', async () => {
    const deps: Deps = { runs: new Map(), finished: [] };
    const rt = (runtime = createTestRuntime({ catalogue: jobs, deps }));
    const worker = rt.startWorker();
    const id = await rt.queue.add('test.work', { id: 'short', firstRunMs: 800 });
    await waitFor('the job to start', () => deps.runs.get('short') === 1);
    const { finishedInTime } = await worker.close(5_000);
    expect(finishedInTime).toBe(true);
    expect(await rt.queue.queue.getJobState(id)).toBe('completed');
    expect(deps.finished).toEqual(['short']);
  });

  it('returns a job that outlives the timeout to the queue, unharmed, and another worker finishes it', async () => {
    const deps: Deps = { runs: new Map(), finished: [] };
    const rt = (runtime = createTestRuntime({ catalogue: jobs, deps }));
    const first = rt.startWorker();
    const id = await rt.queue.add('test.work', { id: 'long', firstRunMs: 30_000 });
    await waitFor('the job to start', () => deps.runs.get('long') === 1);
    const started = Date.now();
    const { finishedInTime } = await first.close(300);
    expect(finishedInTime).toBe(false);
    // Far sooner than the job's 30 s (not a speed bound: a loaded machine may take a few seconds to close).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await rt.queue.queue.getJobState(id)).toBe('waiting');
    const returned = await rt.queue.queue.getJob(id);
    expect(returned!.attemptsMade).toBe(0);
    expect(rt.observer.count('returned')).toBe(1);

    rt.startWorker();
    await waitFor('the job to complete on the second worker', async () => {
      return (await rt.queue.queue.getJobState(id)) === 'completed';
    });
    expect(deps.runs.get('long')).toBe(2);
    const done = await rt.queue.queue.getJob(id);
    expect(done!.returnvalue).toEqual({ run: 2 });
  });
});
