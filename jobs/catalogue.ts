import { createCatalogue } from '../src/queue/job-definition.ts';
import { offboardPersonJob } from './offboard-person.ts';
import { offboardRunbookJob } from './offboard-runbook.ts';
import { onboardCheckJob } from './onboard-check.ts';
import { onboardDeliverJob } from './onboard-deliver.ts';
import { personSyncJob } from './person-sync.ts';
import { syncApplyJob } from './sync-apply.ts';
import { syncFullJob } from './sync-full.ts';

/**
 * Every job type kratos-sync runs: one line per type. Each entry carries its payload schema,
 * options and handler; `defineJob` requires the handler, so a type without one does not compile.
 */
export const jobCatalogue = createCatalogue([
  syncFullJob,
  syncApplyJob,
  personSyncJob,
  onboardDeliverJob,
  onboardCheckJob,
  offboardPersonJob,
  offboardRunbookJob,
]);
