import type { JobTypeOptions } from '../queue/job-definition.ts';

/**
 * Retry budgets of the lifecycle jobs, shared by the job definitions (jobs/onboard-*.ts, jobs/offboard-*.ts)
 * and by the producers in src/lifecycle that add those jobs without importing jobs/.
 */
export const LIFECYCLE_JOB_OPTIONS = {
  // A delivery that certainly did not go out is retried with a new link; give a mail server time.
  'onboard.deliver': { attempts: 8, backoff: { baseMs: 5_000, maxMs: 15 * 60_000 }, timeoutMs: 2 * 60_000 },
  'onboard.check': { attempts: 8, backoff: { baseMs: 5_000, maxMs: 15 * 60_000 } },
  // Leavers must lose access: keep trying through a long Kratos hiccup (429s and outages cost no attempt).
  'offboard.person': { attempts: 10, backoff: { baseMs: 1_000, maxMs: 60_000 }, timeoutMs: 5 * 60_000 },
  'offboard.runbook': { attempts: 3, backoff: { baseMs: 1_000, maxMs: 10_000 } },
} as const satisfies Record<string, JobTypeOptions>;

export type LifecycleJobName = keyof typeof LIFECYCLE_JOB_OPTIONS;
