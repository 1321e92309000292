/**
 * What offboarding one person leaves behind: a receipt Security/IT ops can hand to an auditor.
 * It carries identifiers and timestamps only — never a session token, link or any other secret.
 */

/**
 * - `offboarded`: deactivated, every session revoked, verified.
 * - `deleted`: as `offboarded`, then the identity was deleted (asked for, or the grace period had passed).
 * - `already-gone`: the identity no longer exists in Kratos (deleted earlier); nothing can log in.
 * - `unverified`: deactivated and revoked, but active sessions were still listed afterwards.
 * - `refused`: the identity does not carry this source's ownership marker, so it was not touched.
 * - `failed`: a step failed (see `error`); the job retries transient failures.
 */
export type OffboardingOutcome =
  'offboarded' | 'deleted' | 'already-gone' | 'unverified' | 'refused' | 'failed';

export interface OffboardingReceipt {
  source: string;
  /** The person's key in the source (employee id). */
  key: string;
  identityId: string;
  /** Why the person was offboarded (operator text, `source: terminated`, …). */
  reason: string;
  /** When the source says the person left (ISO), when known. */
  leftAt: string | null;
  /** When this offboarding began (ISO). */
  startedAt: string;
  /** When the identity was set inactive (kept from the first run when offboarding is repeated). */
  deactivatedAt: string | null;
  /** Sessions that were active just before the revoke (from the session listing). */
  sessionsRevoked: number;
  revokedAt: string | null;
  /** True when, after the revoke, the identity was inactive and listed no active session. */
  verified: boolean;
  verifiedAt: string | null;
  deletedAt: string | null;
  /** revokedAt − leftAt in ms, when both are known (how long a leaver kept access). */
  terminationToRevocationMs: number | null;
  outcome: OffboardingOutcome;
  /** A stable error code and a secret-free message when the outcome is `refused` or `failed`. */
  error?: { code: string; message: string };
}

/** A person counts as offboarded once access is verifiably gone (whether or not the identity was deleted). */
export function accessRemoved(receipt: Pick<OffboardingReceipt, 'outcome'>): boolean {
  return (
    receipt.outcome === 'offboarded' || receipt.outcome === 'deleted' || receipt.outcome === 'already-gone'
  );
}
