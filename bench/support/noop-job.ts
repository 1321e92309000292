import { z } from 'zod';
import { defineJob } from '../../src/queue/job-definition.ts';

/**
 * A job that does nothing: what the queue costs on its own (enqueue, claim, complete), against which the
 * queue benchmarks set the cost of a real job.
 */
export const noopJob = defineJob<null>()({
  name: 'bench.noop',
  schema: z.strictObject({ n: z.int() }),
  options: { attempts: 3, backoff: { baseMs: 1_000, maxMs: 1_000 } },
  async handle() {
    return null;
  },
});
