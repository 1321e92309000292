import type { Queue } from 'bullmq';
import { listFailedJobs, retryFailedJobs } from '../../queue/failed-job-admin.ts';

/** A failed job as the console shows it: identifiers, the error and the attempts — never its payload. */
export interface FailedJobView {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  /** When it last failed (ISO), when known. */
  failedAt: string | null;
  /** Which source and person or run it was about, when its data says so. */
  subject: string;
}

/** The failed-job operations the console needs: count, list, and send one back to the queue. */
export interface FailedJobAccess {
  count(): Promise<number>;
  /** Newest first. */
  list(limit: number): Promise<FailedJobView[]>;
  /** True when the job was failed and is queued again; false when it is gone or no longer failed. */
  retry(jobId: string): Promise<boolean>;
}

/** Failed jobs of the shared queue, through the same helpers as `kratos-sync failed list|retry`. */
export function failedJobAccessOf(queue: Queue): FailedJobAccess {
  return {
    count: () => queue.getFailedCount(),
    async list(limit) {
      const rows = await listFailedJobs(queue, { limit });
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        failedReason: row.failedReason,
        attemptsMade: row.attemptsMade,
        failedAt: row.failedAt ?? null,
        subject: [row.source && `source ${row.source}`, row.subject].filter(Boolean).join(' · '),
      }));
    },
    async retry(jobId) {
      return (await retryFailedJobs(queue, { ids: [jobId] })).retried.includes(jobId);
    },
  };
}
