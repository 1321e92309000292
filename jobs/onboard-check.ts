import { z } from 'zod';
import { checkActivation } from '../src/lifecycle/check-activation.ts';
import { LIFECYCLE_JOB_OPTIONS } from '../src/lifecycle/job-options.ts';
import { lifecycleOf, type LifecycleHost } from '../src/lifecycle/lifecycle-host.ts';
import { defineJob } from '../src/queue/job-definition.ts';

/**
 * onboard.check — `reissueAfter` after an invite went out: has the person activated? If not, one new
 * invite (src/lifecycle/check-activation.ts).
 */
export const onboardCheckJob = defineJob<LifecycleHost>()({
  name: 'onboard.check',
  schema: z.strictObject({
    source: z.string().min(1),
    key: z.string().min(1),
    identityId: z.string().min(1),
    inviteId: z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected an invite id (letters, digits, dots, dashes)'),
  }),
  options: LIFECYCLE_JOB_OPTIONS['onboard.check'],
  handle: ({ payload, deps }) => checkActivation(lifecycleOf(deps).onboarding, payload),
});
