import { checkActivation } from '../src/lifecycle/check-activation.ts';
import type { LifecycleJobDeps } from '../src/lifecycle/lifecycle-host.ts';
import { handleJob } from '../src/queue/job-definition.ts';
import { onboardCheckType } from '../src/queue/lifecycle-job-types.ts';

/**
 * onboard.check — `reissueAfter` after an invite went out: has the person activated? If not, one new
 * invite (src/lifecycle/check-activation.ts).
 */
export const onboardCheckJob = handleJob<LifecycleJobDeps>()(onboardCheckType, ({ payload, deps }) =>
  checkActivation(deps.lifecycle.onboarding, payload),
);
