import type { Logger } from '../../log/logger.ts';
import type { PersonLocks } from '../../queue/person-locks.ts';
import { ScimError } from '../../scim/scim-error.ts';
import { newRunId } from '../../store/run-id.ts';
import type { SyncContext } from '../../sync/context.ts';
import { sourceSaysLeft } from '../../sync/read-person.ts';
import { syncPerson, type PersonOutcome } from '../../sync/sync-person.ts';
import { isTransientCode } from '../../../jobs/transient-codes.ts';
import type { EnqueuePerson } from '../routes/webhooks.ts';

/** What became of one user's change on the Kratos side. */
export interface EngineVerdict {
  /** The engine's status, or `queued`: a job finishes it (Kratos slow or away, or the person busy). */
  status: PersonOutcome['status'] | 'queued';
  runId?: string;
  /** A permanent refusal the directory must hear about: the stored change is rolled back. */
  refusal?: ScimError;
}

export interface ScimEngineDeps {
  ctx: SyncContext;
  locks: PersonLocks;
  enqueuePerson: EnqueuePerson;
  logger: Logger;
}

/**
 * Applies one user's stored state to Kratos while the directory waits, through the same engine as every
 * other source (`syncPerson`: mapping, schema validation, ownership marker, guard and event guard,
 * offboarding with receipts, onboarding hooks, audit). It holds the person's lock like a `person.sync`
 * job, and gives up waiting after `timeoutMs`: then, or when Kratos is away or rate limiting, or the person
 * is busy, a queued job (ids only) finishes the work and the directory gets its answer in time.
 */
export async function syncUserNow(
  deps: ScimEngineDeps,
  request: { source: string; id: string; client: string; timeoutMs: number },
): Promise<EngineVerdict> {
  const { source, id } = request;
  const runId = newRunId(deps.ctx.now());
  const queue = async (why: string): Promise<EngineVerdict> => {
    // A user the directory deactivated or deleted is a leaver: its job goes ahead of ordinary work, as a
    // webhook's leaver event does (decided from the stored user, as the job's own sync will).
    const leaver = await sourceSaysLeft(deps.ctx, source, id);
    deps.logger.info(
      { source, client: request.client, runId, why, leaver },
      'scim change queued for the worker',
    );
    await deps.enqueuePerson({
      source,
      key: id,
      receivedAt: deps.ctx.now().toISOString(),
      ...(leaver ? { leaver } : {}),
    });
    return { status: 'queued', runId };
  };
  const lock = await deps.locks.tryAcquire([{ source, key: id }], `scim:${request.client}:${runId}`);
  if (!lock) return queue('person busy');
  let outcome: PersonOutcome;
  try {
    outcome = await syncPerson(deps.ctx, source, id, {
      runId,
      trigger: 'api',
      signal: AbortSignal.any([AbortSignal.timeout(request.timeoutMs), lock.lost]),
    });
  } catch (err) {
    deps.logger.warn({ err, source, runId }, 'scim change could not be applied now');
    return queue('engine error');
  } finally {
    await lock.release();
  }
  if (outcome.status === 'quarantined') {
    return {
      status: 'quarantined',
      runId,
      refusal: new ScimError(400, refusalText(outcome), 'invalidValue'),
    };
  }
  if (outcome.status === 'skipped' && outcome.identityId === undefined) {
    // The planner would not create the person: an identifier or external_id of theirs is held by an
    // identity this source does not own for them (someone registered themselves, another source).
    return { status: 'skipped', runId, refusal: new ScimError(409, refusalText(outcome), 'uniqueness') };
  }
  if (outcome.status === 'failed') {
    const code = outcome.error?.code;
    if (code === undefined || isTransientCode(code) || !isRefusal(code)) return queue(code ?? 'failed');
    const status = code === 'SYNC_ERR_KRATOS_CONFLICT' ? 409 : 400;
    return {
      status: 'failed',
      runId,
      refusal: new ScimError(status, refusalText(outcome), status === 409 ? 'uniqueness' : 'invalidValue'),
    };
  }
  // A held removal joins the source's held run: name that run, where approve/reject decides it.
  return { status: outcome.status, runId: outcome.runId };
}

/** Kratos or the mapping refused the data itself: resending it cannot work, the directory must change it. */
function isRefusal(code: string): boolean {
  return ['SYNC_ERR_KRATOS_CONFLICT', 'SYNC_ERR_KRATOS_REJECTED', 'SYNC_ERR_RECORD_INVALID'].includes(code);
}

/** The engine's reasons name fields and rules, never values. */
function refusalText(outcome: PersonOutcome): string {
  const reason = outcome.error?.message ?? outcome.reason ?? 'refused';
  return `Kratos cannot take this user: ${reason}`.slice(0, 500);
}
