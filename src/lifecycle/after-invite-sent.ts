import { randomUUID } from 'node:crypto';
import { recordSendFailure } from './send-failure.ts';
import { inviteDeliveryId, managerNoticeDeliveryId, type DeliveryRecord } from '../store/delivery-store.ts';
import { composeManagerNotice } from './compose-invite.ts';
import { readInviteTarget } from './issue-invite.ts';
import { onboardCheckType } from '../queue/lifecycle-job-types.ts';
import { checkJobId, type InviteRef, type OnboardingDeps, type OnboardingSource } from './onboarding-deps.ts';

/**
 * Follow-ups of a sent invite, safe to repeat (a retried job runs them again): the first delivery schedules
 * the activation check `reissueAfter` after it was sent (a deterministic job id makes the add idempotent);
 * the re-issue tells the manager, once.
 */
export async function afterInviteSent(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteRef & { attempt: number },
  record: DeliveryRecord,
): Promise<void> {
  if (invite.attempt === 1) await scheduleActivationCheck(deps, onboarding, invite, record.sentAt);
  if (invite.attempt === 2) {
    // The re-issue went out: a first invite that may have reached no one is no longer a worry.
    await deps.deliveries.settleUncertain(inviteDeliveryId(invite.inviteId, 1));
    if (onboarding.config.managerEmail) await tellManager(deps, onboarding, invite, record);
  }
}

/**
 * With `reissueAfter`, check that long after the first invite went out (or may have: an `uncertain` one is
 * never resent, so this check is what rescues a person it did not reach). Idempotent by job id.
 */
export async function scheduleActivationCheck(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteRef,
  sentAt: string | undefined,
): Promise<void> {
  const { reissueAfter } = onboarding.config;
  if (reissueAfter === undefined) return;
  const from = Date.parse(sentAt ?? deps.now().toISOString());
  const delay = Math.max(0, from + reissueAfter - deps.now().getTime());
  const { source, key, identityId, inviteId } = invite;
  await deps.queue.add(
    onboardCheckType.name,
    { source, key, identityId, inviteId },
    { jobId: checkJobId(inviteId), delay },
  );
}

async function tellManager(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteRef,
  record: DeliveryRecord,
): Promise<void> {
  const deliveryId = managerNoticeDeliveryId(invite.inviteId);
  const target = await readInviteTarget(deps, onboarding, invite);
  if ('cancel' in target || !target.fields.managerEmail) return;
  const token = randomUUID();
  const message = composeManagerNotice(
    deps.templates,
    {
      invite,
      to: target.fields.managerEmail,
      name: target.fields.name ?? target.fields.email!,
      sentAt: record.sentAt ?? deps.now().toISOString(),
      expiresAt: record.expiresAt ?? '',
      timeZone: target.fields.timeZone ?? onboarding.config.defaultTimeZone,
    },
    deps.messageDomain,
  );
  const fields = { ...invite, attempt: 2, channel: onboarding.channel.name, messageId: message.messageId };
  const claimed = await deps.deliveries.transition(deliveryId, {
    from: ['none', 'send-failed'],
    to: 'sending',
    newToken: token,
    fields,
  });
  if (claimed === null) return; // already told (or being told)
  try {
    await onboarding.channel.send(message);
  } catch (err) {
    await recordSendFailure(deps, onboarding.channel.name, { id: deliveryId, token }, err);
    return;
  }
  await deps.deliveries.transition(deliveryId, {
    from: ['sending'],
    token,
    to: 'sent',
    fields: { sentAt: deps.now().toISOString() },
  });
  deps.logger.info(
    { op: 'onboard.manager-notice', source: invite.source, deliveryId },
    'manager told about re-issued invite',
  );
}
