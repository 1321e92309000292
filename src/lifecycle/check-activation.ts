import type { Identity } from '../domain/identity.ts';
import { inviteDeliveryId } from '../store/delivery-store.ts';
import { isNotFound } from '../access/kratos-errors.ts';
import { onboardDeliverType } from '../queue/lifecycle-job-types.ts';
import { deliverJobId, type InviteRef, type OnboardingDeps } from './onboarding-deps.ts';
import { notManagedReason } from '../access/ownership.ts';

export type ActivationCheckOutcome =
  'activated' | 'reissued' | 'already-reissued' | 'gone' | 'inactive' | 'not-managed' | 'disabled';

/**
 * Credential types that only exist once the person has linked or set up something. Not `password`,
 * `webauthn` or `code`: Kratos creates those (with identifiers, without a secret) from the identity schema
 * as soon as the identity exists, so their presence says nothing about activation.
 */
const SIGN_IN_CREDENTIALS = ['oidc', 'saml', 'totp', 'lookup_secret'];

/**
 * The invite that fixes itself: `reissueAfter` after the first invite went out, a person who has never had a
 * session and has no sign-in credential gets ONE new invite (attempt 2; its deterministic job id means a
 * repeated check adds nothing). Attempt 2 schedules no further check, so it stops there.
 */
export async function checkActivation(
  deps: OnboardingDeps,
  invite: InviteRef,
): Promise<{ outcome: ActivationCheckOutcome }> {
  const onboarding = deps.sources.get(invite.source);
  if (!onboarding?.config.enabled) return { outcome: 'disabled' };
  const outcome = await decide(deps, invite);
  // Nothing left to worry about for an uncertain first invite: the person got in, or there is no one to
  // reach. A re-issue settles it once it goes out (after-invite-sent.ts).
  if (outcome !== 'reissued' && outcome !== 'already-reissued')
    await deps.deliveries.settleUncertain(inviteDeliveryId(invite.inviteId, 1));
  return { outcome };
}

async function decide(deps: OnboardingDeps, invite: InviteRef): Promise<ActivationCheckOutcome> {
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
  if (await deps.deliveries.get(inviteDeliveryId(invite.inviteId, 2))) return 'already-reissued';
  const { source, key, identityId, inviteId } = invite;
  await deps.queue.add(
    onboardDeliverType.name,
    { source, key, identityId, inviteId, attempt: 2 },
    { jobId: deliverJobId(inviteId, 2) },
  );
  deps.logger.info({ op: 'onboard.check', source, inviteId }, 'invite not used in time; re-issuing once');
  return 'reissued';
}

async function hasActivated(deps: Pick<OnboardingDeps, 'kratos'>, identity: Identity): Promise<boolean> {
  const credentials = Object.keys(identity.credentials ?? {});
  if (credentials.some((type) => SIGN_IN_CREDENTIALS.includes(type))) return true;
  // Any session, active or not: completing recovery signs the person in.
  return (await deps.kratos.listIdentitySessions(identity.id)).length > 0;
}
