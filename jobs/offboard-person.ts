import { DelayedError } from 'bullmq';
import type { LifecycleJobDeps } from '../src/lifecycle/lifecycle-host.ts';
import { offboardIdentity } from '../src/access/offboard-identity.ts';
import type { OffboardingReceipt } from '../src/domain/offboarding-receipt.ts';
import { handleJob } from '../src/queue/job-definition.ts';
import { offboardPersonType } from '../src/queue/lifecycle-job-types.ts';

/** How long a person's job waits when another job (a sync) holds the person's lock. */
const LOCK_BUSY_DELAY_MS = 500;

/**
 * offboard.person — take one leaver's access away (src/access/offboard-identity.ts) under the person's
 * lock, so it never interleaves with a sync job writing the same identity. Returns the receipt (ids and
 * timestamps only), which BullMQ keeps as the job's return value and the runbook reads.
 */
export const offboardPersonJob = handleJob<LifecycleJobDeps>()(
  offboardPersonType,
  async ({ payload, deps, job, token }): Promise<OffboardingReceipt> => {
    const { offboarding } = deps.lifecycle;
    const lock = await offboarding.locks.tryAcquire([payload], `offboard.person:${job.id ?? ''}`);
    if (!lock) {
      // Someone else works on this person right now: come back shortly (not an attempt).
      await job.moveToDelayed(Date.now() + LOCK_BUSY_DELAY_MS, token);
      throw new DelayedError();
    }
    try {
      return await offboardIdentity(
        offboarding,
        {
          identityId: payload.identityId,
          source: payload.source,
          key: payload.key,
          reason: payload.reason,
          ...(payload.leftAt ? { leftAt: payload.leftAt } : {}),
        },
        { deleteNow: payload.deleteNow },
      );
    } finally {
      await lock.release();
    }
  },
);
