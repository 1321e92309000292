import { DelayedError, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { identityLoaderFor } from '../src/kratos/identity-loader.ts';
import { defineJob } from '../src/queue/job-definition.ts';
import { personIndexField } from '../src/store/marker-index.ts';
import { MAX_EVENT_VERSION_LENGTH, MAX_PERSON_KEY_LENGTH } from '../src/sync/event-limits.ts';
import { syncPerson, type PersonStatus } from '../src/sync/sync-person.ts';
import type { JobDeps } from './job-deps.ts';
import { requireKnownSource } from './known-source.ts';
import { errorFromReport, isTransientCode } from './transient-codes.ts';

/** How long a person job waits when the person is locked by another job (a full-sync chunk). */
const PERSON_BUSY_RETRY_MS = 1_000;

export const personSyncPayload = z.strictObject({
  source: z.string().min(1),
  /** The person's key in the source (employee id): an identifier, never the record. */
  key: z.string().min(1).max(MAX_PERSON_KEY_LENGTH),
  /** The record version the event announced, if it said one (stale events change nothing). */
  eventVersion: z.string().max(MAX_EVENT_VERSION_LENGTH).optional(),
  /** When the event arrived (ISO); for latency figures. */
  receivedAt: z.iso.datetime(),
});

/** The job's result: what happened to the person, without values. */
export interface PersonSyncResult {
  status: PersonStatus;
  runId: string;
  identityId?: string;
  reason?: string;
}

/**
 * Sync one person now (a webhook's job; events are hints, so the record is fetched from the source).
 * Per-person order (one job at a time per person): enqueued with a per-person deduplication id (one pending job
 * per person, one more while one is active: jobs/enqueue.ts), and run under the person's lock so it never
 * overlaps a full-sync chunk or a second copy of itself.
 */
export const personSyncJob = defineJob<JobDeps>()({
  name: 'person.sync',
  schema: personSyncPayload,
  options: { attempts: 8, backoff: { baseMs: 2_000, maxMs: 300_000 }, stopWhenKratosDown: true },
  async handle({ payload, deps, job, token, signal }): Promise<PersonSyncResult> {
    requireKnownSource(deps.ctx, payload.source);
    // The person's marker-index entry is read in the lock's own round trip (one step where there were two);
    // the takes of jobs starting together go as one script, and their identity reads as one Kratos request
    // where the server can (src/queue/person-locks.ts, src/kratos/identity-loader.ts).
    const taken = await deps.locks.tryAcquireAndRead(
      { source: payload.source, key: payload.key },
      `job:${job.id}`,
      personIndexField(deps.ctx.config.redis.prefix, payload.source, payload.key),
    );
    if (!taken) {
      await job.moveToDelayed(Date.now() + PERSON_BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    const { lock } = taken;
    try {
      const outcome = await syncPerson(deps.ctx, payload.source, payload.key, {
        ...(payload.eventVersion ? { eventVersion: payload.eventVersion } : {}),
        trigger: 'webhook',
        signal: AbortSignal.any([signal, lock.lost]),
        indexedId: taken.value,
        readIdentity: identityLoaderFor(deps.ctx.kratos).load,
      });
      if (outcome.status === 'failed' && outcome.error) {
        // Kratos down or rate limited: unfinished work, retried (or held while Kratos is down).
        if (isTransientCode(outcome.error.code)) throw errorFromReport(outcome.error);
        throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
      }
      if (outcome.status === 'quarantined') {
        throw new UnrecoverableError(
          `SYNC_ERR_RECORD_INVALID: record ${payload.key} of source ${payload.source}: ${outcome.reason ?? 'invalid'}`,
        );
      }
      return {
        status: outcome.status,
        runId: outcome.runId,
        ...(outcome.identityId ? { identityId: outcome.identityId } : {}),
        ...(outcome.reason ? { reason: outcome.reason } : {}),
      };
    } finally {
      // Not awaited: the job finishes while the release travels (src/queue/person-locks.ts sends the releases
      // of one event-loop turn together), so it costs no round trip of its own. This process's next take goes
      // after it on the same connection, and Redis runs one connection's commands in order; another worker's
      // take comes a full round trip after BullMQ hands it the next job. A release that fails leaves the lock
      // to expire (queue.lockDuration) and does not fail a job whose work is done.
      lock
        .release()
        .catch((err: unknown) =>
          deps.ctx.logger.warn(
            { err, job: job.id },
            'could not release the person lock; it expires by itself',
          ),
        );
    }
  },
});
