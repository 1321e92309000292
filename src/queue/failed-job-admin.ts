import type { Queue } from 'bullmq';

/** A failed job as `kratos-sync failed list` shows it: identifiers and the reason, never record data. */
export interface FailedJobRow {
  id: string;
  name: string;
  source?: string;
  /** The person key (person jobs), or the run and chunk (full-sync jobs). */
  subject?: string;
  failedReason: string;
  attemptsMade: number;
  failedAt?: string;
}

export async function listFailedJobs(
  queue: Queue,
  options: { limit?: number } = {},
): Promise<FailedJobRow[]> {
  const limit = options.limit ?? 100;
  const jobs = await queue.getFailed(0, limit - 1);
  return jobs.flatMap((job) => {
    if (!job?.id) return [];
    const data = (job.data ?? {}) as Record<string, unknown>;
    const row: FailedJobRow = {
      id: job.id,
      name: job.name,
      failedReason: job.failedReason ?? '',
      attemptsMade: job.attemptsMade,
    };
    if (typeof data.source === 'string') row.source = data.source;
    const subject = subjectOf(data);
    if (subject) row.subject = subject;
    if (job.finishedOn) row.failedAt = new Date(job.finishedOn).toISOString();
    return [row];
  });
}

function subjectOf(data: Record<string, unknown>): string | undefined {
  if (typeof data.key === 'string') return data.key;
  if (typeof data.runId === 'string') {
    return typeof data.chunk === 'number' ? `${data.runId} chunk ${data.chunk}` : data.runId;
  }
  return undefined;
}

export type RetryResult = { retried: string[]; missing: string[]; notFailed: string[] };

/** Move failed jobs back to the queue with fresh attempts: the ones named, or every failed job. */
export async function retryFailedJobs(
  queue: Queue,
  target: { ids: string[] } | { all: true },
): Promise<RetryResult> {
  const result: RetryResult = { retried: [], missing: [], notFailed: [] };
  if ('all' in target) {
    // Page through the failed set: retrying moves jobs out of it, so always read its head.
    for (;;) {
      const jobs = await queue.getFailed(0, 99);
      if (jobs.length === 0) return result;
      for (const job of jobs) {
        if (!job?.id) continue;
        await job.retry('failed');
        result.retried.push(job.id);
      }
    }
  }
  for (const id of target.ids) {
    const job = await queue.getJob(id);
    if (!job) {
      result.missing.push(id);
      continue;
    }
    if ((await job.getState()) !== 'failed') {
      result.notFailed.push(id);
      continue;
    }
    await job.retry('failed');
    result.retried.push(id);
  }
  return result;
}
