import { Job, Queue, type JobsOptions } from 'bullmq';
import type { z } from 'zod';
import { SyncError } from '../errors/catalogue.ts';
import type { Logger } from '../log/logger.ts';
import { BACKOFF_TYPE } from './backoff.ts';
import { lookupJob, type JobNameOf, type JobType, type PayloadInputOf } from './job-definition.ts';
import type { RedisClient } from './redis-connection.ts';
import { QUEUE_NAME } from './runtime-keys.ts';

/** Options a producer may set; attempts and backoff always come from the job type. */
export type AddOptions = Pick<
  JobsOptions,
  'jobId' | 'deduplication' | 'parent' | 'delay' | 'priority' | 'ignoreDependencyOnFailure'
>;

/** The part of a job definition a producer needs. */
export type JobSpec<Schema extends z.ZodType> = JobType<string, Schema>;

/**
 * A job's data as it goes to Redis: the payload checked against the type's schema (a clear
 * SYNC_ERR_JOB_PAYLOAD naming the field otherwise), defaults filled in.
 */
function jobData<Schema extends z.ZodType>(
  spec: JobSpec<Schema>,
  payload: z.input<Schema>,
): z.output<Schema> {
  const parsed = spec.schema.safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
    throw new SyncError('SYNC_ERR_JOB_PAYLOAD', `${spec.name} payload invalid: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** The retry options every job of a type is added with: its attempts, and the queue's one backoff strategy. */
export function retryOptionsOf(spec: JobSpec<z.ZodType>): Pick<JobsOptions, 'attempts' | 'backoff'> {
  return { attempts: spec.options.attempts, backoff: { type: BACKOFF_TYPE } };
}

/**
 * Add one job of a type: the payload is checked against the type's schema before it reaches Redis,
 * attempts and backoff come from the type. Resolves the job id — the existing job's when a deterministic
 * id or a deduplication id matched one.
 */
export async function addJob<Schema extends z.ZodType>(
  queue: Queue,
  spec: JobSpec<Schema>,
  payload: z.input<Schema>,
  options: AddOptions = {},
): Promise<string> {
  const job = await queue.add(spec.name, jobData(spec, payload), { ...options, ...retryOptionsOf(spec) });
  return job.id ?? '';
}

/**
 * Moves a pending job ahead of every prioritized job: out of the prioritized set (or from its place in the
 * waiting list) to the back of the waiting list, which workers empty before they take a prioritized job
 * (BullMQ's moveToActive). A job that is active, delayed or finished keeps its place, but its priority is
 * cleared, so a retry or a delay ends in the waiting list too. A job that is gone already ran: nothing to do.
 */
export async function runBeforePrioritized(queue: Queue, jobId: string): Promise<void> {
  const job = await Job.fromId(queue, jobId);
  if (!job) return;
  try {
    await job.changePriority({ priority: 0 });
  } catch (err) {
    // Removed between the read and the move (it finished): there is nothing left to move.
    if (await queue.getJob(jobId)) throw err;
  }
}

/** Adds typed by job name, for the job types of `C` (a catalogue, or some job types by name). */
export interface JobProducer<C extends object> {
  add<N extends JobNameOf<C>>(name: N, payload: PayloadInputOf<C, N>, options?: AddOptions): Promise<string>;
}

/** The queue with adds typed by job name from a catalogue. */
export interface JobQueue<C extends object> extends JobProducer<C> {
  readonly queue: Queue;
  close(): Promise<void>;
}

/** A producer of the job types of `types` on `queue` (a name it does not know is refused). */
export function jobProducer<C extends object>(queue: Queue, types: C): JobProducer<C> {
  return {
    async add(name, payload, addOptions = {}) {
      const definition = lookupJob(types, name);
      if (!definition) throw new SyncError('SYNC_ERR_JOB_PAYLOAD', `unknown job type "${name}"`);
      return await addJob(queue, definition, payload, addOptions);
    },
  };
}

export function createQueue(options: { connection: RedisClient; prefix: string; logger: Logger }): Queue {
  const queue = new Queue(QUEUE_NAME, { connection: options.connection, prefix: options.prefix });
  queue.on('error', (err) => options.logger.warn({ err }, 'queue error'));
  return queue;
}

export function createJobQueue<C extends object>(options: {
  connection: RedisClient;
  prefix: string;
  catalogue: C;
  logger: Logger;
}): JobQueue<C> {
  const queue = createQueue(options);
  return {
    queue,
    ...jobProducer(queue, options.catalogue),
    async close() {
      await queue.close();
    },
  };
}
