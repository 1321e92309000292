import { z } from 'zod';
import { checkActivation } from '../src/lifecycle/check-activation.ts';
import type { LifecycleJobDeps } from '../src/lifecycle/lifecycle-deps.ts';
import { defineJob } from '../src/queue/job-definition.ts';

/**
 * onboard.check — `reissueAfter` after an invite went out: has the person activated? If not, one new
 * invite (src/lifecycle/check-activation.ts).
 */
export const onboardCheckJob = defineJob<LifecycleJobDeps>()({
  name: 'onboard.check',
  schema: z.strictObject({
    source: z.string().min(1),
    key: z.string().min(1),
    identityId: z.string().min(1),
    inviteId: z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected an invite id (letters, digits, dots, dashes)'),
  }),
  options: { attempts: 8, backoff: { baseMs: 5_000, maxMs: 15 * 60_000 } },
  handle: ({ payload, deps }) => checkActivation(deps.onboarding, payload),
});
