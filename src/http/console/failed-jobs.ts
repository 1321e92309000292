import type { Queue } from 'bullmq';

/** A failed job as the console shows it: identifiers, the error and the attempts — never its payload. */
export interface FailedJobView {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  /** When it last failed (ISO), when known. */
  failedAt: string | null;
  /** Which person or run it was about (`source`, `key`, `runId` from its data), when it says so. */
  subject: string;
}

/** The failed-job operations the console needs: list them and send one back to the queue. */
export interface FailedJobs {
  count(): Promise<number>;
  /** Newest first. */
  list(limit: number): Promise<FailedJobView[]>;
  /** True when the job was failed and is queued again; false when it is gone or no longer failed. */
  retry(jobId: string): Promise<boolean>;
}

/** Job-data fields that identify what a job was about; jobs carry identifiers only (STYLE.md E23). */
const SUBJECT_FIELDS = ['source', 'key', 'runId'] as const;

/** Failed jobs read straight from the BullMQ queue the workers share. */
export function failedJobsOf(queue: Queue): FailedJobs {
  return {
    count: () => queue.getFailedCount(),
    async list(limit) {
      const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
      return jobs.map((job) => ({
        id: job.id ?? '',
        name: job.name,
        failedReason: job.failedReason ?? '',
        attemptsMade: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        subject: subjectOf(job.data),
      }));
    },
    async retry(jobId) {
      const job = await queue.getJob(jobId);
      if (!job || (await job.getState()) !== 'failed') return false;
      await job.retry('failed');
      return true;
    },
  };
}

function subjectOf(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const record = data as Record<string, unknown>;
  return SUBJECT_FIELDS.flatMap((field) =>
    typeof record[field] === 'string' ? [`${field} ${record[field] as string}`] : [],
  ).join(' · ');
}
