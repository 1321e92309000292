import type { Queue } from 'bullmq';

/** Jobs looked at per state when finding one person's jobs (a person's jobs are recent: they sit near the top). */
const SCAN = 1000;

/**
 * One person's pending and failed jobs (person.sync, offboarding, onboarding), newest first: id, name, state
 * and, for failures, the reason. Job data carries identifiers only, so nothing personal is read here.
 */
export async function personJobs(
  queue: Queue,
  source: string,
  key: string,
): Promise<Array<{ id: string; name: string; state: string; reason?: string; attemptsMade?: number }>> {
  const states = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;
  const out = [];
  for (const state of states) {
    const jobs = await queue.getJobs([state], 0, SCAN - 1);
    for (const job of jobs) {
      const data = (job?.data ?? {}) as { source?: unknown; key?: unknown };
      if (!job?.id || data.source !== source || data.key !== key) continue;
      out.push({
        id: job.id,
        name: job.name,
        // Ordinary person events wait in BullMQ's prioritized set (leavers go first: jobs/enqueue.ts); to an
        // operator both mean the same: queued, not started.
        state: state === 'prioritized' ? 'waiting' : state,
        attemptsMade: job.attemptsMade,
        ...(state === 'failed' && job.failedReason ? { reason: job.failedReason } : {}),
      });
    }
  }
  return out;
}
