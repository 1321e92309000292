import { Queue, type JobsOptions } from 'bullmq';
import { SyncError } from '../errors/catalogue.ts';
import type { Logger } from '../log/logger.ts';
import { BACKOFF_TYPE } from './backoff.ts';
import { lookupJob, type JobNameOf, type PayloadInputOf } from './job-definition.ts';
import type { RedisClient } from './redis-connection.ts';
import { QUEUE_NAME } from './runtime-keys.ts';

/** Options a producer may set; attempts and backoff always come from the job type. */
export type AddOptions = Pick<JobsOptions, 'jobId' | 'deduplication' | 'parent' | 'delay' | 'priority'>;

/** Adds jobs by type with payloads checked against the job type's schema before they reach Redis. */
export interface JobQueue<C extends object> {
  readonly queue: Queue;
  add<N extends JobNameOf<C>>(name: N, payload: PayloadInputOf<C, N>, options?: AddOptions): Promise<string>;
  close(): Promise<void>;
}

export function createJobQueue<C extends object>(options: {
  connection: RedisClient;
  prefix: string;
  catalogue: C;
  logger: Logger;
}): JobQueue<C> {
  const queue = new Queue(QUEUE_NAME, { connection: options.connection, prefix: options.prefix });
  queue.on('error', (err) => options.logger.warn({ err }, 'queue error'));
  return {
    queue,
    async add(name, payload, addOptions = {}) {
      const definition = lookupJob(options.catalogue, name);
      if (!definition) throw new SyncError('SYNC_ERR_JOB_PAYLOAD', `unknown job type "${name}"`);
      const parsed = definition.schema.safeParse(payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
        throw new SyncError('SYNC_ERR_JOB_PAYLOAD', `${name} payload invalid: ${issues.join('; ')}`);
      }
      const job = await queue.add(name, parsed.data, {
        ...addOptions,
        attempts: definition.options.attempts,
        backoff: { type: BACKOFF_TYPE },
      });
      return job.id ?? '';
    },
    async close() {
      await queue.close();
    },
  };
}
