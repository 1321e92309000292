import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import type { PersonLocks } from '../queue/person-locks.ts';
import type { ReceiptStore } from '../store/receipt-store.ts';
import type { OnboardingDeps } from './onboarding-deps.ts';

/** What the offboarding jobs need from the worker. */
export interface OffboardingJobDeps {
  kratos: KratosClient;
  logger: Logger;
  now: () => Date;
  receipts: ReceiptStore;
  /** Per-person locks shared with the sync jobs (one job per person at a time). */
  locks: PersonLocks;
}

/**
 * The part of the worker's deps the onboard.* and offboard.* jobs read. The worker's full deps object
 * carries these two members (built by `buildLifecycle`).
 */
export interface LifecycleJobDeps {
  onboarding: OnboardingDeps;
  offboarding: OffboardingJobDeps;
}
