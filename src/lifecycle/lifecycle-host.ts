import type { Queue } from 'bullmq';
import { jobProducer } from '../queue/job-queue.ts';
import { ONBOARDING_JOB_TYPES } from '../queue/lifecycle-job-types.ts';
import type { PersonLocks } from '../queue/person-locks.ts';
import type { SyncContext } from '../sync/context.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { OnboardingQueue } from './onboarding-deps.ts';

/**
 * What the lifecycle jobs need from the worker's deps. The process assembles it (app/lifecycle-host.ts):
 * the runtime's `JobDeps` (jobs/job-deps.ts) carries these fields, so the onboard.* and offboard.* jobs plug
 * into the shared catalogue as they are.
 */
export interface LifecycleHost {
  ctx: Pick<SyncContext, 'config' | 'baseDir' | 'kratos' | 'redis' | 'logger' | 'now' | 'sources'>;
  /** Producer side of the queue (onboarding adds its delivery and check jobs here). */
  queue: Queue;
  locks: PersonLocks;
  /** Onboarding's and offboarding's parts, built by the process from `ctx` (on first use). */
  lifecycle: Lifecycle;
}

/** What the onboard.* and offboard.* job handlers use of the host: only the lifecycle built on it. */
export type LifecycleJobDeps = Pick<LifecycleHost, 'lifecycle'>;

/**
 * A BullMQ queue as onboarding's producer: payloads checked against the job type, attempts and backoff
 * from it, as for every job.
 */
export function onboardingQueueOf(queue: Queue): OnboardingQueue {
  return jobProducer(queue, ONBOARDING_JOB_TYPES);
}
