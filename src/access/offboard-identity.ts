import type { Identity } from '../domain/identity.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import { SyncError } from '../errors/catalogue.ts';
import type { ReceiptStore } from '../store/receipt-store.ts';
import { deactivateIdentity } from './deactivate-identity.ts';
import { identityEmails } from '../domain/identity-emails.ts';
import { describeError } from '../errors/describe-error.ts';
import type { OffboardingReceipt } from '../domain/offboarding-receipt.ts';
import { notManagedReason } from './ownership.ts';
import { getIdentityOrNull } from './read-identity.ts';
import { readMarker } from '../domain/ownership-marker.ts';
import { revokeAndVerify } from './revoke-and-verify.ts';

export interface OffboardDeps {
  kratos: KratosClient;
  logger: Logger;
  now: () => Date;
  /** Where receipts are kept; without it the receipt is only returned. */
  receipts?: ReceiptStore;
}

export interface OffboardTarget {
  identityId: string;
  source: string;
  key: string;
  reason: string;
  /** When the source says the person left (ISO). */
  leftAt?: string;
  /**
   * The identity as the caller read it by id moments ago, in the same job and before it planned this
   * removal (a `person.sync` job's own lookup): the offboarding starts from it instead of reading it again,
   * one Kratos round trip sooner. It is checked for the marker all the same. Leave it out wherever the
   * identity may have changed since it was read (the runbook's jobs, resolved long before they run): those
   * read it here. A copy of another identity than `identityId` is ignored.
   */
  readJustNow?: Identity;
}

export interface OffboardOptions {
  /** Delete once this long has passed since the identity was first deactivated (leaver policy `delete`). */
  deleteAfterGrace?: { graceMs: number };
  /** Delete straight after access is verifiably gone (runbook `--delete-now`). */
  deleteNow?: boolean;
}

/**
 * Take a leaver's access away (docs/architecture.md): set `state: inactive` → revoke every session → verify
 * none remains → delete when asked or when the grace period has passed. Each step is idempotent, so running
 * this twice (a retried job, a runbook racing the schedule) ends in the same state without error.
 *
 * Only identities carrying this source's ownership marker for this key are touched; anything else is refused
 * with SYNC_ERR_NOT_MANAGED. Transient Kratos errors are rethrown (the job retries) after a `failed` receipt
 * is stored, so an operator looking mid-way sees where it stands.
 */
export async function offboardIdentity(
  deps: OffboardDeps,
  target: OffboardTarget,
  options: OffboardOptions = {},
): Promise<OffboardingReceipt> {
  const receipt = blankReceipt(target, deps.now());
  const log = deps.logger.child({ op: 'offboard', source: target.source, identityId: target.identityId });
  try {
    const identity =
      target.readJustNow?.id === target.identityId
        ? target.readJustNow
        : await getIdentityOrNull(deps.kratos, target.identityId);
    if (!identity) return await finish(deps, log, await alreadyGone(deps, receipt));
    const emails = identityEmails(identity);
    const refusal = notManagedReason(identity, target.source, target.key);
    if (refusal) {
      receipt.outcome = 'refused';
      receipt.error = { code: 'SYNC_ERR_NOT_MANAGED', message: refusal };
      await finish(deps, log, receipt, emails);
      throw new SyncError('SYNC_ERR_NOT_MANAGED', refusal, { details: { identityId: target.identityId } });
    }
    // The sessions to revoke are counted while the deactivation is on its way: Kratos keeps an inactive
    // identity's sessions as they were (only whoami refuses them), so the count is the same in either order,
    // and the revocation starts one Kratos round trip sooner. A failed count surfaces after the
    // deactivation, as it did when it was read after it.
    const counting = deps.kratos.listIdentitySessions(target.identityId, { active: true });
    counting.catch(() => undefined); // awaited below; not an unhandled rejection if the deactivation fails
    const deactivated = await deactivateIdentity(deps.kratos, identity, deps.now());
    receipt.deactivatedAt = deactivated.deactivatedAt;
    const activeBefore = (await counting).length;
    Object.assign(receipt, await revokeAndVerify(deps, target.identityId, activeBefore));
    receipt.outcome = receipt.verified ? 'offboarded' : 'unverified';
    if (
      receipt.verified &&
      shouldDelete(deactivated.identity, deactivated.deactivatedAt, deps.now(), options)
    ) {
      await deps.kratos.deleteIdentity(target.identityId); // false (404) = already deleted: done either way
      receipt.deletedAt = deps.now().toISOString();
      receipt.outcome = 'deleted';
    }
    receipt.terminationToRevocationMs = elapsedMs(target.leftAt, receipt.revokedAt);
    return await finish(deps, log, receipt, emails);
  } catch (err) {
    if (receipt.outcome === 'refused') throw err;
    receipt.outcome = 'failed';
    receipt.error = describeError(err);
    await finish(deps, log, receipt).catch(() => undefined);
    throw err;
  }
}

function blankReceipt(target: OffboardTarget, startedAt: Date): OffboardingReceipt {
  return {
    source: target.source,
    key: target.key,
    identityId: target.identityId,
    reason: target.reason,
    leftAt: target.leftAt ?? null,
    startedAt: startedAt.toISOString(),
    deactivatedAt: null,
    sessionsRevoked: 0,
    revokedAt: null,
    verified: false,
    verifiedAt: null,
    deletedAt: null,
    terminationToRevocationMs: null,
    outcome: 'failed',
  };
}

/**
 * The identity is gone (deleted by an earlier run, or by hand): Kratos deletes its sessions with it. We still
 * check the session listing so the receipt's `verified` is observed, not assumed.
 */
async function alreadyGone(deps: OffboardDeps, receipt: OffboardingReceipt): Promise<OffboardingReceipt> {
  const active = await deps.kratos.listIdentitySessions(receipt.identityId, { active: true });
  const at = deps.now().toISOString();
  receipt.verified = active.length === 0;
  receipt.verifiedAt = receipt.verified ? at : null;
  receipt.outcome = receipt.verified ? 'already-gone' : 'unverified';
  return receipt;
}

function shouldDelete(
  identity: Identity,
  deactivatedAt: string,
  now: Date,
  options: OffboardOptions,
): boolean {
  if (options.deleteNow) return true;
  if (!options.deleteAfterGrace) return false;
  const since = Date.parse(readMarker(identity)?.deactivated_at ?? deactivatedAt);
  return Number.isFinite(since) && now.getTime() - since >= options.deleteAfterGrace.graceMs;
}

function elapsedMs(fromIso: string | undefined, toIso: string | null): number | null {
  if (!fromIso || !toIso) return null;
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  return Number.isFinite(ms) ? ms : null;
}

async function finish(
  deps: OffboardDeps,
  log: Logger,
  receipt: OffboardingReceipt,
  emails: string[] = [],
): Promise<OffboardingReceipt> {
  await deps.receipts?.put(receipt, { emails });
  const level =
    receipt.outcome === 'offboarded' || receipt.outcome === 'deleted' || receipt.outcome === 'already-gone'
      ? 'info'
      : 'warn';
  log[level](
    {
      outcome: receipt.outcome,
      sessionsRevoked: receipt.sessionsRevoked,
      verified: receipt.verified,
      errorCode: receipt.error?.code,
    },
    'offboarding receipt recorded',
  );
  return receipt;
}
