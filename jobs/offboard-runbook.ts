import { z } from 'zod';
import { LIFECYCLE_JOB_OPTIONS } from '../src/lifecycle/job-options.ts';
import type { LifecycleHost } from '../src/lifecycle/lifecycle-host.ts';
import { defineJob } from '../src/queue/job-definition.ts';

/**
 * offboard.runbook — the parent of one runbook's `offboard.person` jobs (a BullMQ flow). It runs once every
 * child has completed or failed (children are added with `ignoreDependencyOnFailure`), and returns the
 * counts; the per-person receipts are the children's return values.
 */
export const offboardRunbookJob = defineJob<LifecycleHost>()({
  name: 'offboard.runbook',
  schema: z.strictObject({
    runbookId: z.string().regex(/^[A-Za-z0-9-]+$/),
    people: z.int().min(0),
  }),
  options: LIFECYCLE_JOB_OPTIONS['offboard.runbook'],
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
