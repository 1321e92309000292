import type { Identity } from '../domain/identity.ts';
import { inviteDeliveryId } from '../store/delivery-store.ts';
import { isNotFound } from '../access/kratos-errors.ts';
import { onboardDeliverType } from '../queue/lifecycle-job-types.ts';
import {
  deliverJobId,
  type InviteRef,
  type OnboardingDeps,
  type OnboardingSource,
} from './onboarding-deps.ts';
import { mayReissueAfter, settleAttempts, type InviteAttempt } from './reissue-policy.ts';
import { notManagedReason } from '../access/ownership.ts';

export type ActivationCheckOutcome =
  | 'activated'
  | 'reissued'
  | 'already-reissued'
  /** No re-issue left (`maxReissues`): the attempt stays reported for a person to check. */
  | 'reissues-used'
  | 'gone'
  | 'inactive'
  | 'not-managed'
  | 'disabled';

/**
 * Credential types that only exist once the person has linked or set up something. Not `password`,
 * `webauthn` or `code`: Kratos creates those (with identifiers, without a secret) from the identity schema
 * as soon as the identity exists, so their presence says nothing about activation.
 */
const SIGN_IN_CREDENTIALS = ['oidc', 'saml', 'totp', 'lookup_secret'];

/**
 * The invite that fixes itself: `reissueAfter` after an attempt went out (or may have), a person who has never
 * had a session and has no sign-in credential gets ONE new invite, the next attempt (its deterministic job id
 * means a repeated check adds nothing). The first attempt is always checked; a re-issue only when its
 * hand-over was `uncertain` and fewer than `maxReissues` re-issues were made (reissue-policy.ts), so a
 * re-issue that went out stops there, and so does the last one allowed.
 */
export async function checkActivation(
  deps: OnboardingDeps,
  invite: InviteRef & { attempt?: number },
): Promise<{ outcome: ActivationCheckOutcome }> {
  const onboarding = deps.sources.get(invite.source);
  if (!onboarding?.config.enabled) return { outcome: 'disabled' };
  const checked = { ...invite, attempt: invite.attempt ?? 1 };
  const outcome = await decide(deps, onboarding, checked);
  // Nothing left to worry about for an uncertain attempt: the person got in, or there is no one to reach.
  // A re-issue settles it once it goes out or is uncertain itself (reissue-policy.ts); the last one allowed
  // stays reported.
  if (outcome !== 'reissued' && outcome !== 'already-reissued' && outcome !== 'reissues-used')
    await settleAttempts(deps, checked.inviteId, checked.attempt);
  return { outcome };
}

async function decide(
  deps: OnboardingDeps,
  onboarding: OnboardingSource,
  invite: InviteAttempt,
): Promise<ActivationCheckOutcome> {
  let identity: Identity;
  try {
    identity = await deps.kratos.getIdentity(invite.identityId);
  } catch (err) {
    if (isNotFound(err)) return 'gone';
    throw err;
  }
  if (notManagedReason(identity, invite.source, invite.key)) return 'not-managed';
  if (identity.state === 'inactive') return 'inactive';
  if (await hasActivated(deps, identity)) return 'activated';
  const next = invite.attempt + 1;
  if (await deps.deliveries.get(inviteDeliveryId(invite.inviteId, next))) return 'already-reissued';
  // Only when maxReissues was lowered after this check was queued.
  if (!mayReissueAfter(onboarding.config, invite.attempt)) return 'reissues-used';
  const { source, key, identityId, inviteId } = invite;
  await deps.queue.add(
    onboardDeliverType.name,
    { source, key, identityId, inviteId, attempt: next },
    { jobId: deliverJobId(inviteId, next) },
  );
  deps.logger.info(
    { op: 'onboard.check', source, inviteId, attempt: next },
    'invite not used in time; re-issuing once',
  );
  return 'reissued';
}

async function hasActivated(deps: Pick<OnboardingDeps, 'kratos'>, identity: Identity): Promise<boolean> {
  const credentials = Object.keys(identity.credentials ?? {});
  if (credentials.some((type) => SIGN_IN_CREDENTIALS.includes(type))) return true;
  // Any session, active or not: completing recovery signs the person in.
  return (await deps.kratos.listIdentitySessions(identity.id)).length > 0;
}
