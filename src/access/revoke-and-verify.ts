import type { KratosClient } from '../kratos/types.ts';

/** Revoke rounds before giving up on verification (a session minted mid-revoke is caught by the next round). */
const MAX_ROUNDS = 3;

export interface RevocationResult {
  sessionsRevoked: number;
  revokedAt: string;
  verified: boolean;
  verifiedAt: string | null;
}

/**
 * Revoke every session of an (already deactivated) identity, then prove it worked: the identity reads back
 * `inactive` — which alone makes every token fail whoami (docs/kratos-behaviour.md) — and lists no active session.
 * DELETE …/sessions answers 404 when there was nothing to revoke; the client reports that as `false`, which
 * is success here.
 */
export async function revokeAndVerify(
  deps: { kratos: KratosClient; now: () => Date },
  identityId: string,
  /** The active sessions counted before the revoke, when the caller read them already. */
  activeBefore?: number,
): Promise<RevocationResult> {
  const { kratos, now } = deps;
  const sessionsRevoked =
    activeBefore ?? (await kratos.listIdentitySessions(identityId, { active: true })).length;
  let revokedAt = '';
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    await kratos.revokeIdentitySessions(identityId);
    revokedAt = now().toISOString();
    const [identity, stillActive] = await Promise.all([
      kratos.getIdentity(identityId),
      kratos.listIdentitySessions(identityId, { active: true }),
    ]);
    if (identity.state === 'inactive' && stillActive.length === 0) {
      return { sessionsRevoked, revokedAt, verified: true, verifiedAt: now().toISOString() };
    }
    if (identity.state !== 'inactive') break; // reactivated behind our back: revoking again cannot fix that
  }
  return { sessionsRevoked, revokedAt, verified: false, verifiedAt: null };
}
