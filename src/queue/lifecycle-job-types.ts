import { z } from 'zod';
import { MAX_REISSUES } from '../config/sections/source.ts';
import { jobType } from './job-definition.ts';

/**
 * The job types that onboarding and offboarding add themselves (src/lifecycle/, which may not import
 * jobs/): name, payload schema and options, declared once here. jobs/onboard-*.ts and jobs/offboard-*.ts
 * bind a handler to each for the catalogue (jobs/catalogue.ts); the producers add them by name through a
 * `JobProducer`, typed by these payloads. A new lifecycle job is one entry here and one handler there.
 */

/** Whose identity a job works on: the person's source and key, and the Kratos identity id. */
const identityOfPerson = {
  source: z.string().min(1),
  key: z.string().min(1),
  identityId: z.string().min(1),
};

const inviteId = z
  .string()
  .regex(/^[A-Za-z0-9.-]+$/, 'expected an invite id (letters, digits, dots, dashes)');

/** Issue a recovery link (or code) for a new hire and deliver it once. Identifiers only. */
export const onboardDeliverType = jobType({
  name: 'onboard.deliver',
  schema: z.strictObject({
    ...identityOfPerson,
    inviteId,
    attempt: z
      .int()
      .min(1)
      .max(1 + MAX_REISSUES),
  }),
  // A delivery that certainly did not go out is retried with a new link; give a mail server time.
  options: { attempts: 8, backoff: { baseMs: 5_000, maxMs: 15 * 60_000 }, timeoutMs: 2 * 60_000 },
});

/**
 * `reissueAfter` after an invite went out (or may have): has the person activated? If not, the next attempt.
 * `attempt` is the attempt checked on (checks queued before it was carried are of the first).
 */
export const onboardCheckType = jobType({
  name: 'onboard.check',
  schema: z.strictObject({
    ...identityOfPerson,
    inviteId,
    attempt: z
      .int()
      .min(1)
      .max(1 + MAX_REISSUES)
      .default(1),
  }),
  options: { attempts: 8, backoff: { baseMs: 5_000, maxMs: 15 * 60_000 } },
});

/** Take one leaver's access away. */
export const offboardPersonType = jobType({
  name: 'offboard.person',
  schema: z.strictObject({
    ...identityOfPerson,
    reason: z.string().min(1).max(500),
    leftAt: z.iso.datetime({ offset: true }).optional(),
    deleteNow: z.boolean().default(false),
    /** The runbook this job belongs to, when an operator started it. */
    runbookId: z.string().optional(),
  }),
  // Leavers must lose access: keep trying through a long Kratos hiccup (429s and outages cost no attempt).
  options: { attempts: 10, backoff: { baseMs: 1_000, maxMs: 60_000 }, timeoutMs: 5 * 60_000 },
});

/** The parent of one runbook's `offboard.person` jobs (a BullMQ flow). */
export const offboardRunbookType = jobType({
  name: 'offboard.runbook',
  schema: z.strictObject({
    runbookId: z.string().regex(/^[A-Za-z0-9-]+$/),
    people: z.int().min(0),
  }),
  options: { attempts: 3, backoff: { baseMs: 1_000, maxMs: 10_000 } },
});

/** The onboarding job types by name: what onboarding's producer may add. */
export const ONBOARDING_JOB_TYPES = {
  [onboardDeliverType.name]: onboardDeliverType,
  [onboardCheckType.name]: onboardCheckType,
} as const;

export type OnboardingJobTypes = typeof ONBOARDING_JOB_TYPES;
