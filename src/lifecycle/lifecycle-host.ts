import type { Queue } from 'bullmq';
import { jobProducer } from '../queue/job-queue.ts';
import { ONBOARDING_JOB_TYPES } from '../queue/lifecycle-job-types.ts';
import type { PersonLocks } from '../queue/person-locks.ts';
import type { SyncContext, SyncHooks } from '../sync/context.ts';
import { buildLifecycle, type Lifecycle } from './build-lifecycle.ts';
import type { OnboardingQueue } from './onboarding-deps.ts';

/**
 * What the lifecycle jobs need from the worker's deps. The runtime's `JobDeps` (jobs/job-deps.ts) has this
 * shape already, so the onboard.* and offboard.* jobs plug into the shared catalogue as they are.
 */
export interface LifecycleHost {
  ctx: Pick<SyncContext, 'config' | 'baseDir' | 'kratos' | 'redis' | 'logger' | 'now' | 'sources'>;
  /** Producer side of the queue (onboarding adds its delivery and check jobs here). */
  queue: Queue;
  locks: PersonLocks;
  /** A lifecycle built beforehand (tests set seams on it); otherwise built from `ctx` on first use. */
  lifecycle?: Lifecycle;
}

const built = new WeakMap<object, Lifecycle>();

/** The host's lifecycle, built once per host (channels, templates and expressions compile at most once). */
export function lifecycleOf(host: LifecycleHost): Lifecycle {
  if (host.lifecycle) return host.lifecycle;
  let lifecycle = built.get(host);
  if (!lifecycle) {
    lifecycle = buildLifecycle(host.ctx, { queue: onboardingQueueOf(host.queue), locks: host.locks });
    built.set(host, lifecycle);
  }
  return lifecycle;
}

/**
 * A BullMQ queue as onboarding's producer: payloads checked against the job type, attempts and backoff
 * from it, as for every job.
 */
export function onboardingQueueOf(queue: Queue): OnboardingQueue {
  return jobProducer(queue, ONBOARDING_JOB_TYPES);
}

/**
 * Onboarding hooks for `SyncContext.hooks`, resolving the host lazily: the context must exist before the
 * host that holds it, so the runtime can pass `lifecycleHooks(() => jobDeps)` when it builds the context.
 */
export function lifecycleHooks(
  host: () => LifecycleHost,
): Required<Pick<SyncHooks, 'identityCreated' | 'identityReactivated'>> {
  return {
    identityCreated: (event) => lifecycleOf(host()).hooks.identityCreated(event),
    identityReactivated: (event) => lifecycleOf(host()).hooks.identityReactivated(event),
  };
}
