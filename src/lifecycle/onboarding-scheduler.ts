import type { SourceRecord } from '../sources/types.ts';
import type { PersonEvent, SyncHooks } from '../sync/context.ts';
import { inviteSendTime } from './invite-send-time.ts';
import { onboardDeliverType } from '../queue/lifecycle-job-types.ts';
import { deliverJobId, type OnboardingDeps } from './onboarding-deps.ts';

/** The engine's event, plus the source record when the engine has it at hand (saves a source read). */
type PersonEventWithRecord = PersonEvent & { record?: SourceRecord };

/**
 * The onboarding side of the engine's hooks: a created (or rehired and reactivated) person gets an
 * `onboard.deliver` job, now or delayed until `sendAt` on their start date. Job data are identifiers only;
 * the job id is deterministic per invite, so a hook that runs twice (a retried apply) adds one job.
 */
export function createOnboardingHooks(
  deps: Pick<OnboardingDeps, 'queue' | 'logger' | 'now' | 'sources'>,
): Required<Pick<SyncHooks, 'identityCreated' | 'identityReactivated'>> {
  return {
    identityCreated: (event) => scheduleInvite(deps, event, event.identityId),
    // A rehire is a new welcome: its own invite id, so the first invite's `sent` record does not stop it.
    // The run id (or the minute, when a webhook did it) keeps a repeated hook for the same rehire to one job.
    identityReactivated: (event) =>
      scheduleInvite(
        deps,
        event,
        `${event.identityId}.r${safeId(event.runId) ?? Math.floor(deps.now().getTime() / 60_000)}`,
      ),
  };
}

async function scheduleInvite(
  deps: Pick<OnboardingDeps, 'queue' | 'logger' | 'now' | 'sources'>,
  event: PersonEventWithRecord,
  inviteId: string,
): Promise<void> {
  const onboarding = deps.sources.get(event.source);
  if (!onboarding?.config.enabled) return;
  const { config } = onboarding;
  let fields = {};
  if (config.timing === 'start-date' && onboarding.fields.needsRecord) {
    const record = event.record ?? (await onboarding.source.fetchOne(event.key));
    fields = await onboarding.fields.read(record, event.desired.traits);
  }
  const when = inviteSendTime(config, fields, deps.now());
  const { source, key, identityId } = event;
  await deps.queue.add(
    onboardDeliverType.name,
    { source, key, identityId, inviteId, attempt: 1 },
    { jobId: deliverJobId(inviteId, 1), ...(when.delayMs > 0 ? { delay: when.delayMs } : {}) },
  );
  deps.logger.info(
    { op: 'onboard.schedule', source, inviteId, basis: when.basis, sendAt: when.at.toISOString() },
    'invite scheduled',
  );
}

function safeId(runId: string | undefined): string | undefined {
  const cleaned = runId?.replace(/[^A-Za-z0-9-]/g, '');
  return cleaned ? cleaned : undefined;
}
