import { z } from 'zod';
import { deliverInvite } from '../src/lifecycle/deliver-invite.ts';
import type { LifecycleJobDeps } from '../src/lifecycle/lifecycle-deps.ts';
import { defineJob } from '../src/queue/job-definition.ts';

/**
 * onboard.deliver — issue a recovery link (or code) for a new hire and deliver it once
 * (src/lifecycle/deliver-invite.ts). Identifiers only: the link is created inside the job and never stored.
 */
export const onboardDeliverJob = defineJob<LifecycleJobDeps>()({
  name: 'onboard.deliver',
  schema: z.strictObject({
    source: z.string().min(1),
    key: z.string().min(1),
    identityId: z.string().min(1),
    inviteId: z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected an invite id (letters, digits, dots, dashes)'),
    attempt: z.int().min(1).max(2),
  }),
  // Delivery failures that certainly did not send are retried with a new link; give a mail server time.
  options: { attempts: 8, backoff: { baseMs: 5_000, maxMs: 15 * 60_000 }, timeoutMs: 2 * 60_000 },
  handle: ({ payload, deps }) => deliverInvite(deps.onboarding, payload),
});
