import { randomUUID } from 'node:crypto';
import { recordSendFailure } from './send-failure.ts';
import { CLAIMABLE, inviteDeliveryId, type DeliveryRecord } from '../store/delivery-store.ts';
import { afterInviteSent } from './after-invite-sent.ts';
import { afterUncertain } from './reissue-policy.ts';
import { composeInvite } from './compose-invite.ts';
import { issueRecovery, readInviteTarget } from './issue-invite.ts';
import type { InviteRef, OnboardingDeps, OnboardingSource } from './onboarding-deps.ts';

export interface DeliverInviteData extends InviteRef {
  attempt: number;
}

export type DeliverInviteOutcome =
  | 'sent'
  | 'already-sent'
  | 'uncertain'
  | 'cancelled'
  | 'disabled'
  /** Another execution of the same job took the record over; it finishes the work. */
  | 'superseded';

/** What the job returns (kept by BullMQ in Redis): state and ids only, never the link. */
export interface DeliverInviteResult {
  outcome: DeliverInviteOutcome;
  deliveryId: string;
  messageId?: string;
  reason?: string;
}

/**
 * Deliver one invite exactly once, whatever happens to the job (see the state machine in
 * src/store/delivery-store.ts): a record already `sent` is never sent again; one left `issuing`/`issued` by a
 * crash gets a NEW link (the first was never stored, never handed over); one left `sending` is only resent
 * when the channel can prove the first did not go out — otherwise it becomes `uncertain`, and the activation
 * check (if configured) re-issues it when the person does not activate, up to `maxReissues` times
 * (reissue-policy.ts).
 */
export async function deliverInvite(
  deps: OnboardingDeps,
  data: DeliverInviteData,
): Promise<DeliverInviteResult> {
  const deliveryId = inviteDeliveryId(data.inviteId, data.attempt);
  const onboarding = deps.sources.get(data.source);
  if (!onboarding?.config.enabled) return { outcome: 'disabled', deliveryId };
  const log = deps.logger.child({ op: 'onboard.deliver', source: data.source, deliveryId });
  const record = await deps.deliveries.get(deliveryId);
  const settled = await settleEarlierTry(deps, onboarding, data, record);
  if (settled) {
    log.info({ outcome: settled.outcome, state: record?.state }, 'invite delivery already settled');
    return settled;
  }
  const token = randomUUID();
  const claimed = await deps.deliveries.transition(deliveryId, {
    from: CLAIMABLE,
    to: 'issuing',
    newToken: token,
    fields: {
      inviteId: data.inviteId,
      attempt: data.attempt,
      source: data.source,
      key: data.key,
      identityId: data.identityId,
      channel: onboarding.channel.name,
    },
  });
  if (claimed === null) return { outcome: 'superseded', deliveryId };
  if (claimed === 'issuing' || claimed === 'issued')
    log.warn(
      { previous: claimed },
      'an earlier try stopped before handing the invite over; issuing a new link',
    );
  return issueAndSend(deps, onboarding, data, token, log);
}

/** A result when an earlier try already settled this delivery (or proves it did), else null (go on). */
async function settleEarlierTry(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  data: DeliverInviteData,
  record: DeliveryRecord | null,
): Promise<DeliverInviteResult | null> {
  const deliveryId = inviteDeliveryId(data.inviteId, data.attempt);
  const messageId = record?.messageId;
  switch (record?.state) {
    case 'sent':
      await afterInviteSent(deps, onboarding, data, record);
      return { outcome: 'already-sent', deliveryId, ...(messageId ? { messageId } : {}) };
    case 'uncertain':
    case 'cancelled':
      // A crash may have come between marking it uncertain and scheduling its check (idempotent).
      if (record.state === 'uncertain') await afterUncertain(deps, onboarding, data, record.sendingAt);
      return {
        outcome: record.state,
        deliveryId,
        ...(record.cancelReason ? { reason: record.cancelReason } : {}),
      };
    case 'sending': {
      const wentOut = messageId ? await onboarding.channel.wasSent?.(messageId) : undefined;
      if (wentOut === false) {
        await deps.deliveries.transition(deliveryId, {
          from: ['sending'],
          to: 'send-failed',
          fields: { lastError: 'interrupted' },
        });
        return null;
      }
      const to = wentOut === true ? 'sent' : 'uncertain';
      const fields = wentOut === true ? { sentAt: deps.now().toISOString() } : { lastError: 'interrupted' };
      if (!(await deps.deliveries.transition(deliveryId, { from: ['sending'], to, fields })))
        return { outcome: 'superseded', deliveryId };
      if (to === 'sent')
        await afterInviteSent(deps, onboarding, data, (await deps.deliveries.get(deliveryId))!);
      else await afterUncertain(deps, onboarding, data, record.sendingAt);
      return {
        outcome: to === 'sent' ? 'already-sent' : 'uncertain',
        deliveryId,
        ...(messageId ? { messageId } : {}),
      };
    }
    default:
      return null;
  }
}

async function issueAndSend(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  data: DeliverInviteData,
  token: string,
  log: OnboardingDeps['logger'],
): Promise<DeliverInviteResult> {
  const deliveryId = inviteDeliveryId(data.inviteId, data.attempt);
  const target = await readInviteTarget(deps, onboarding, data);
  if ('cancel' in target) {
    await deps.deliveries.transition(deliveryId, {
      from: ['issuing'],
      token,
      to: 'cancelled',
      fields: { cancelReason: target.cancel },
    });
    log.warn({ reason: target.cancel }, 'invite cancelled');
    return { outcome: 'cancelled', deliveryId, reason: target.cancel };
  }
  const issued = await issueRecovery(deps, onboarding, data.identityId);
  const issuedAt = deps.now().toISOString();
  if (
    !(await deps.deliveries.transition(deliveryId, {
      from: ['issuing'],
      token,
      to: 'issued',
      fields: { issuedAt, expiresAt: issued.expiresAt },
    }))
  ) {
    return { outcome: 'superseded', deliveryId };
  }
  await deps.afterIssue?.(data);
  const message = composeInvite(
    deps.templates,
    {
      invite: data,
      attempt: data.attempt,
      to: target.fields.email!,
      name: target.fields.name ?? target.fields.email!,
      timeZone: target.fields.timeZone ?? onboarding.config.defaultTimeZone,
      issued,
    },
    deps.messageDomain,
  );
  const sendingAt = deps.now().toISOString();
  if (
    !(await deps.deliveries.transition(deliveryId, {
      from: ['issued'],
      token,
      to: 'sending',
      fields: { sendingAt, messageId: message.messageId },
    }))
  ) {
    return { outcome: 'superseded', deliveryId };
  }
  return handOver(deps, onboarding, data, token, message, log);
}

async function handOver(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  data: DeliverInviteData,
  token: string,
  message: ReturnType<typeof composeInvite>,
  log: OnboardingDeps['logger'],
): Promise<DeliverInviteResult> {
  const deliveryId = inviteDeliveryId(data.inviteId, data.attempt);
  try {
    await onboarding.channel.send(message);
  } catch (err) {
    const failure = await recordSendFailure(deps, onboarding.channel.name, { id: deliveryId, token }, err);
    await afterUncertain(deps, onboarding, data, deps.now().toISOString());
    log.warn(
      { failure: failure.failure, channel: failure.channel },
      'invite may or may not have gone out; it will not be sent again',
    );
    return { outcome: 'uncertain', deliveryId, messageId: message.messageId };
  }
  const sentAt = deps.now().toISOString();
  // It went out: record that even if another execution has meanwhile marked the record uncertain.
  await deps.deliveries.transition(deliveryId, {
    from: ['sending', 'uncertain'],
    to: 'sent',
    fields: { sentAt },
  });
  log.info({ channel: onboarding.channel.name, attempt: data.attempt }, 'invite sent');
  const record = await deps.deliveries.get(deliveryId);
  if (record) await afterInviteSent(deps, onboarding, data, record);
  return { outcome: 'sent', deliveryId, messageId: message.messageId };
}
