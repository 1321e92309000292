import type { OnboardingConfig } from '../config/sections/source.ts';
import type { DeliveryChannel } from '../delivery/channel.ts';
import type { InviteTemplates } from '../delivery/templates.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import type { JobNameOf, PayloadInputOf } from '../queue/job-definition.ts';
import type { OnboardingJobTypes } from '../queue/lifecycle-job-types.ts';
import type { Source } from '../sources/types.ts';
import type { DeliveryStore } from '../store/delivery-store.ts';
import type { OnboardingFieldReader } from './onboarding-fields.ts';

/**
 * One invite: a person's welcome after a create (`<identityId>`) or a rehire (`<identityId>.r<stamp>`).
 * Attempt 1 is the first delivery, attempt 2 the one re-issue when the first was not used in time.
 */
export interface InviteRef {
  source: string;
  key: string;
  identityId: string;
  inviteId: string;
}

/**
 * Where onboarding jobs go, typed by the onboarding job types (src/queue/lifecycle-job-types.ts): a
 * `JobProducer` on the shared queue (deterministic job ids make every add idempotent).
 */
export interface OnboardingQueue {
  add<N extends JobNameOf<OnboardingJobTypes>>(
    name: N,
    data: PayloadInputOf<OnboardingJobTypes, N>,
    options: { jobId: string; delay?: number },
  ): Promise<unknown>;
}

/** BullMQ job ids may not contain ':'; invite ids are made of UUIDs, dots and [A-Za-z0-9-]. */
export const deliverJobId = (inviteId: string, attempt: number) => `onboard-deliver.${inviteId}.${attempt}`;
/** The first attempt's check keeps the id it had before re-issues were checked too. */
export const checkJobId = (inviteId: string, attempt: number) =>
  attempt === 1 ? `onboard-check.${inviteId}` : `onboard-check.${inviteId}.${attempt}`;

/** One source's onboarding settings, compiled. */
export interface OnboardingSource {
  config: OnboardingConfig;
  fields: OnboardingFieldReader;
  /** For expressions that read the record (events carry identifiers, the record is fetched). */
  source: Pick<Source, 'fetchOne'>;
  /** The channel `onboarding.channel` names. */
  channel: DeliveryChannel;
}

export interface OnboardingDeps {
  kratos: KratosClient;
  deliveries: DeliveryStore;
  templates: InviteTemplates;
  queue: OnboardingQueue;
  logger: Logger;
  now: () => Date;
  sources: ReadonlyMap<string, OnboardingSource>;
  /** Right-hand side of Message-IDs (the From address's domain). */
  messageDomain: string;
  /**
   * Test seam: runs after a link is issued and before it is handed to the channel (a crash test kills the
   * process here). Never set in production.
   */
  afterIssue?: (invite: InviteRef & { attempt: number }) => Promise<void> | void;
}
