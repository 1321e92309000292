import type { LifecycleJobDeps } from '../src/lifecycle/lifecycle-host.ts';
import { handleJob } from '../src/queue/job-definition.ts';
import { offboardRunbookType } from '../src/queue/lifecycle-job-types.ts';

/**
 * offboard.runbook — the parent of one runbook's `offboard.person` jobs (a BullMQ flow). It runs once every
 * child has completed or failed (children are added with `ignoreDependencyOnFailure`), and returns the
 * counts; the per-person receipts are the children's return values.
 */
export const offboardRunbookJob = handleJob<LifecycleJobDeps>()(
  offboardRunbookType,
  async ({ payload, job }) => {
    const [values, failures] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
    return {
      runbookId: payload.runbookId,
      people: payload.people,
      completed: Object.keys(values).length,
      failed: Object.keys(failures).length,
    };
  },
);
