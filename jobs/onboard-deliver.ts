import { z } from 'zod';
import { deliverInvite } from '../src/lifecycle/deliver-invite.ts';
import { LIFECYCLE_JOB_OPTIONS } from '../src/lifecycle/job-options.ts';
import { lifecycleOf, type LifecycleHost } from '../src/lifecycle/lifecycle-host.ts';
import { defineJob } from '../src/queue/job-definition.ts';

/**
 * onboard.deliver — issue a recovery link (or code) for a new hire and deliver it once
 * (src/lifecycle/deliver-invite.ts). Identifiers only: the link is created inside the job and never stored.
 */
export const onboardDeliverJob = defineJob<LifecycleHost>()({
  name: 'onboard.deliver',
  schema: z.strictObject({
    source: z.string().min(1),
    key: z.string().min(1),
    identityId: z.string().min(1),
    inviteId: z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected an invite id (letters, digits, dots, dashes)'),
    attempt: z.int().min(1).max(2),
  }),
  options: LIFECYCLE_JOB_OPTIONS['onboard.deliver'],
  handle: ({ payload, deps }) => deliverInvite(lifecycleOf(deps).onboarding, payload),
});
