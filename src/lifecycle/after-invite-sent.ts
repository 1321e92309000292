import { randomUUID } from 'node:crypto';
import { recordSendFailure } from './send-failure.ts';
import { managerNoticeDeliveryId, type DeliveryRecord } from '../store/delivery-store.ts';
import { composeManagerNotice } from './compose-invite.ts';
import { readInviteTarget } from './issue-invite.ts';
import type { OnboardingDeps, OnboardingSource } from './onboarding-deps.ts';
import { scheduleActivationCheck, settleAttempts, type InviteAttempt } from './reissue-policy.ts';

/**
 * Follow-ups of a sent invite, safe to repeat (a retried job runs them again): the first delivery schedules
 * the activation check `reissueAfter` after it was sent (a deterministic job id makes the add idempotent);
 * a re-issue settles the earlier attempts' uncertainty and tells the manager, once per invite.
 */
export async function afterInviteSent(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteAttempt,
  record: DeliveryRecord,
): Promise<void> {
  if (invite.attempt === 1) await scheduleActivationCheck(deps, onboarding, invite, record.sentAt);
  if (invite.attempt >= 2) {
    // The re-issue went out: earlier attempts that may have reached no one are no longer a worry.
    await settleAttempts(deps, invite.inviteId, invite.attempt - 1);
    if (onboarding.config.managerEmail) await tellManager(deps, onboarding, invite, record);
  }
}

async function tellManager(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteAttempt,
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
  const fields = { ...invite, channel: onboarding.channel.name, messageId: message.messageId };
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
