import type { OnboardingConfig } from '../config/sections/source.ts';
import { inviteDeliveryId } from '../store/delivery-store.ts';
import { onboardCheckType } from '../queue/lifecycle-job-types.ts';
import { checkJobId, type InviteRef, type OnboardingDeps, type OnboardingSource } from './onboarding-deps.ts';

/** One attempt of an invite: the first delivery is 1, each re-issue the next number. */
export type InviteAttempt = InviteRef & { attempt: number };

/**
 * Whether an attempt may be followed by another: with `reissueAfter` on, the first attempt always (the
 * person has not activated), and a re-issue while fewer than `maxReissues` re-issues were made (only an
 * `uncertain` re-issue asks for one: a re-issue that went out is not re-issued again).
 */
export function mayReissueAfter(
  config: Pick<OnboardingConfig, 'reissueAfter' | 'maxReissues'>,
  attempt: number,
): boolean {
  return config.reissueAfter !== undefined && attempt < 1 + config.maxReissues;
}

/**
 * With `reissueAfter`, check that long after an attempt went out (or may have: an `uncertain` one is never
 * resent, so this check is what rescues a person it did not reach). Idempotent by job id.
 */
export async function scheduleActivationCheck(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteAttempt,
  sentAt: string | undefined,
): Promise<void> {
  const { reissueAfter } = onboarding.config;
  if (reissueAfter === undefined) return;
  const from = Date.parse(sentAt ?? deps.now().toISOString());
  const delay = Math.max(0, from + reissueAfter - deps.now().getTime());
  const { source, key, identityId, inviteId, attempt } = invite;
  await deps.queue.add(
    onboardCheckType.name,
    { source, key, identityId, inviteId, attempt },
    { jobId: checkJobId(inviteId, attempt), delay },
  );
}

/** Takes attempts 1…`upTo` of an invite off the uncertain index: what they may have failed to do is moot. */
export async function settleAttempts(deps: OnboardingDeps, inviteId: string, upTo: number): Promise<void> {
  for (let attempt = 1; attempt <= upTo; attempt++)
    await deps.deliveries.settleUncertain(inviteDeliveryId(inviteId, attempt));
}

/**
 * An attempt became `uncertain` (safe to repeat: a retried job runs it again). The newest uncertain attempt
 * stands for the person in reports, so the earlier ones are settled; it is checked `reissueAfter` later and
 * re-issued if the person has not activated — unless it is the last re-issue `maxReissues` allows: then it
 * stays reported (run report, console, metric) until a person checks or the record expires.
 */
export async function afterUncertain(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteAttempt,
  since: string | undefined,
): Promise<void> {
  if (invite.attempt > 1) await settleAttempts(deps, invite.inviteId, invite.attempt - 1);
  if (mayReissueAfter(onboarding.config, invite.attempt)) {
    await scheduleActivationCheck(deps, onboarding, invite, since);
    return;
  }
  if (onboarding.config.reissueAfter === undefined) return;
  deps.logger.warn(
    {
      op: 'onboard.deliver',
      source: invite.source,
      deliveryId: inviteDeliveryId(invite.inviteId, invite.attempt),
      maxReissues: onboarding.config.maxReissues,
    },
    'invite re-issued onboarding.maxReissues times and still uncertain; not re-issued again: check with the person',
  );
}
