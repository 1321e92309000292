import type { Queue } from 'bullmq';
import type { z } from 'zod';
import { addJob } from '../src/queue/job-queue.ts';
import { tickIso } from '../src/queue/cron-ticks.ts';
import { addPersonJobInOrder } from '../src/queue/job-order.ts';
import { newRunId } from '../src/store/run-id.ts';
import { personSyncJob, type personSyncPayload } from './person-sync.ts';
import { syncFullJob } from './sync-full.ts';

/** The deduplication id of a source's full sync: one run of a source is pending or running at a time. */
const fullSyncDedupId = (source: string) => `sync.full@${source}`;
/** The deduplication id of one person's sync. */
const personDedupId = (source: string, key: string) => `person.sync@${source}@${key}`;

/**
 * Enqueue a full sync of a source. While one of that source is waiting, running or applying its chunks,
 * this returns that run's job id instead of adding a second (deduplication without a TTL lasts until the
 * job completes or fails). A schedule tick passes `tick`: the job id is then derived from (source, tick),
 * so every replica firing the same tick adds the same one job.
 */
export async function enqueueFullSync(
  queue: Queue,
  request: { source: string; trigger: 'schedule' | 'webhook' | 'cli' | 'api'; tick?: Date; now: Date },
): Promise<string> {
  const runId = newRunId(request.tick ?? request.now);
  return await addJob(
    queue,
    syncFullJob,
    { source: request.source, trigger: request.trigger, runId },
    {
      ...(request.tick
        ? { jobId: `sync.full@${request.source}@${tickIso(request.tick).replace(/[-:.]/g, '')}` }
        : {}),
      deduplication: { id: fullSyncDedupId(request.source) },
    },
  );
}

/**
 * Enqueue one person's sync. A burst of events for one person collapses: while a job of that person
 * waits, further events are absorbed by it; while one runs, the latest event is kept and becomes exactly
 * one follow-up job when the running one ends (BullMQ `keepLastIfActive`), so a change that arrived
 * during a sync is never missed. At most one running and one pending job per person.
 *
 * An ordinary event is queued with the ordinary priority, in one first-in, first-out order with a full sync's
 * apply chunks. `leaver: true` (the event announced a leaver) queues the job without one, ahead of all
 * ordinary work; an ordinary event of that person already waiting absorbs the leaver's and is moved ahead
 * with it, and a leaver's follow-up of a running job keeps its place when ordinary events for that person
 * come after it (src/queue/job-order.ts). Only the order
 * changes: the job still reads the person's current record from the source and passes the guard.
 */
export async function enqueuePersonSync(
  queue: Queue,
  request: z.input<typeof personSyncPayload> & { leaver?: boolean },
): Promise<string> {
  const { leaver, ...payload } = request;
  const dedupId = personDedupId(payload.source, payload.key);
  return await addPersonJobInOrder(queue, dedupId, leaver === true, (order) =>
    addJob(queue, personSyncJob, payload, {
      deduplication: { id: dedupId, keepLastIfActive: true },
      ...order,
    }),
  );
}
