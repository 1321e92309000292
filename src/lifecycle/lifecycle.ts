import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import type { PersonLocks } from '../queue/person-locks.ts';
import type { ReceiptStore } from '../store/receipt-store.ts';
import type { SyncHooks } from '../sync/context.ts';
import type { OnboardingDeps } from './onboarding-deps.ts';

/** What the offboarding jobs use. */
export interface OffboardingDeps {
  kratos: KratosClient;
  logger: Logger;
  now: () => Date;
  receipts: ReceiptStore;
  /** Per-person locks shared with the sync jobs (one job per person at a time). */
  locks: PersonLocks;
}

/**
 * Everything joiners and leavers need, compiled once per process from the sync context (delivery channels,
 * templates, onboarding expressions per source, the delivery and receipt stores). app/build-lifecycle.ts
 * assembles it.
 */
export interface Lifecycle {
  onboarding: OnboardingDeps;
  offboarding: OffboardingDeps;
  /** Wire into `SyncContext.hooks`: new and rehired people get an invite. */
  hooks: Required<Pick<SyncHooks, 'identityCreated' | 'identityReactivated'>>;
  close(): Promise<void>;
}
