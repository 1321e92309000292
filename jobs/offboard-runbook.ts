import { z } from 'zod';
import type { LifecycleJobDeps } from '../src/lifecycle/lifecycle-deps.ts';
import { defineJob } from '../src/queue/job-definition.ts';

/**
 * offboard.runbook — the parent of one runbook's `offboard.person` jobs (a BullMQ flow). It runs once every
 * child has completed or failed (children are added with `ignoreDependencyOnFailure`), and returns the
 * counts; the per-person receipts are the children's return values.
 */
export const offboardRunbookJob = defineJob<LifecycleJobDeps>()({
  name: 'offboard.runbook',
  schema: z.strictObject({
    runbookId: z.string().regex(/^[A-Za-z0-9-]+$/),
    people: z.int().min(0),
  }),
  options: { attempts: 3, backoff: { baseMs: 1_000, maxMs: 10_000 } },
  async handle({ payload, job }) {
    const [values, failures] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
    return {
      runbookId: payload.runbookId,
      people: payload.people,
      completed: Object.keys(values).length,
      failed: Object.keys(failures).length,
    };
  },
});
