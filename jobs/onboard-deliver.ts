import { deliverInvite } from '../src/lifecycle/deliver-invite.ts';
import type { LifecycleJobDeps } from '../src/lifecycle/lifecycle-host.ts';
import { handleJob } from '../src/queue/job-definition.ts';
import { onboardDeliverType } from '../src/queue/lifecycle-job-types.ts';

/**
 * onboard.deliver — issue a recovery link (or code) for a new hire and deliver it once
 * (src/lifecycle/deliver-invite.ts). Identifiers only: the link is created inside the job and never stored.
 */
export const onboardDeliverJob = handleJob<LifecycleJobDeps>()(onboardDeliverType, ({ payload, deps }) =>
  deliverInvite(deps.lifecycle.onboarding, payload),
);
