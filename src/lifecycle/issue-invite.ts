import type { Identity } from '../domain/identity.ts';
import type { RecoveryCode, RecoveryLink } from '../kratos/types.ts';
import { isNotFound } from '../access/kratos-errors.ts';
import type { OnboardingFields } from './onboarding-fields.ts';
import type { InviteRef, OnboardingDeps, OnboardingSource } from './onboarding-deps.ts';
import { notManagedReason } from '../access/ownership.ts';

/** Why an invite will not be sent at all (recorded as `cancelled`; not an error to retry). */
export type CancelReason = 'identity-gone' | 'not-managed' | 'inactive' | 'not-in-source' | 'no-email';

/**
 * Everything an invite needs before a link is issued: the identity must still exist, be ours and be active
 * (a hire who left before day one gets nothing), and there must be an address to write to.
 */
export async function readInviteTarget(
  deps: Pick<OnboardingDeps, 'kratos'>,
  onboarding: OnboardingSource,
  invite: InviteRef,
): Promise<{ cancel: CancelReason } | { identity: Identity; fields: OnboardingFields }> {
  let identity: Identity;
  try {
    identity = await deps.kratos.getIdentity(invite.identityId);
  } catch (err) {
    if (isNotFound(err)) return { cancel: 'identity-gone' };
    throw err;
  }
  if (notManagedReason(identity, invite.source, invite.key)) return { cancel: 'not-managed' };
  if (identity.state === 'inactive') return { cancel: 'inactive' };
  let record = null;
  if (onboarding.fields.needsRecord) {
    record = await onboarding.source.fetchOne(invite.key);
    if (!record) return { cancel: 'not-in-source' };
  }
  const fields = await onboarding.fields.read(record, identity.traits);
  if (!fields.email) return { cancel: 'no-email' };
  return { identity, fields };
}

/**
 * Issue a recovery link — or a code where the source asks for one and the server has the endpoint (v1.0+);
 * otherwise a link. Kratos takes Go durations, so the lifetime is sent in whole seconds.
 */
export async function issueRecovery(
  deps: Pick<OnboardingDeps, 'kratos'>,
  onboarding: OnboardingSource,
  identityId: string,
): Promise<RecoveryLink | RecoveryCode> {
  const expiresIn = `${Math.max(1, Math.round(onboarding.config.lifetime / 1000))}s`;
  if (onboarding.config.method === 'code' && deps.kratos.capabilities.recoveryCodes) {
    return deps.kratos.createRecoveryCode(identityId, expiresIn);
  }
  return deps.kratos.createRecoveryLink(identityId, expiresIn);
}
