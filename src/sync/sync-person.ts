import type { Identity } from '../domain/identity.ts';
import { newRunId } from '../store/run-id.ts';
import { applyPlan } from './apply.ts';
import { applyDepsFor, sourceRuntime } from './apply-deps.ts';
import type { ItemResult } from './apply-types.ts';
import type { SyncContext } from './context.ts';
import { findIndexed, findPerson } from './find-person.ts';
import { planOnePerson } from './plan-one-person.ts';
import { readPerson, readingSaysLeft } from './read-person.ts';
import type { ReportError, RunTrigger } from '../domain/run-report.ts';
import { guardSingleRemoval } from './single-removal-guard.ts';
import type { PlanAction, QuarantinedRecord } from '../domain/plan.ts';
import { compareVersions } from './versions.ts';

export type PersonStatus =
  | 'created'
  | 'updated'
  | 'adopted'
  | 'reactivated'
  | 'deactivated'
  | 'deleted'
  | 'unchanged'
  | 'skipped'
  | 'stale'
  | 'quarantined'
  | 'held'
  | 'failed';

export interface PersonOutcome {
  status: PersonStatus;
  source: string;
  key: string;
  runId: string;
  identityId?: string;
  changed?: string[];
  /** Why (plan reason, skip reason, quarantine message). No values. */
  reason?: string;
  error?: ReportError;
  quarantine?: QuarantinedRecord;
}

export interface SyncPersonOptions {
  /** The record version the event announced; an event older than what Kratos holds changes nothing. */
  eventVersion?: string;
  runId?: string;
  trigger?: RunTrigger;
  /** Who asked for it when a person did (the console's Retry: `console:<user>`): on the audit entry. */
  by?: string;
  signal?: AbortSignal;
  /**
   * The person's marker-index entry (identity id, null: none), already read under the person's lock in the
   * lock's own round trip; read by `findPerson` when absent.
   */
  indexedId?: string | null;
  /** Reads the indexed identity by id in place of `kratos.getIdentity` (same answers; see `findPerson`). */
  readIdentity?: (id: string) => Promise<Identity>;
}

const STATUS_OF: Record<Exclude<PlanAction['kind'], 'skip'>, PersonStatus> = {
  create: 'created',
  update: 'updated',
  adopt: 'adopted',
  reactivate: 'reactivated',
  deactivate: 'deactivated',
  delete: 'deleted',
};

/**
 * Sync one person now (the queue runtime's `person.sync` job; webhooks are hints, not truth): fetch the
 * record from the source, map it, find the person's identity, plan for that one person with the same pure
 * planner as a full run, guard, apply. A person the source no longer has is a leaver per the policy. A
 * stale event or record never overwrites newer data. Source errors are thrown (the job retries them);
 * Kratos failures come back as `failed` with a code.
 */
export async function syncPerson(
  ctx: SyncContext,
  sourceName: string,
  key: string,
  options: SyncPersonOptions = {},
): Promise<PersonOutcome> {
  const runtime = sourceRuntime(ctx, sourceName);
  const runId = options.runId ?? newRunId(ctx.now());
  const base = { source: sourceName, key, runId };
  const deps = applyDepsFor(ctx, sourceName, runId);
  // The identity behind the person's index entry is read while the source record is: neither needs the
  // other, and a leaver's webhook → revoked time is these reads plus the offboarding. A failed identity
  // read counts only once the record is known to need it: a quarantined record answers as before.
  const [indexed, read] = await Promise.allSettled([
    findIndexed(deps, key, {
      ...(options.indexedId !== undefined ? { indexedId: options.indexedId } : {}),
      ...(options.readIdentity ? { readIdentity: options.readIdentity } : {}),
    }),
    readPerson(ctx, runtime, key, options.signal),
  ]);
  if (read.status === 'rejected') throw read.reason;
  const reading = read.value;
  if (reading.kind === 'quarantined')
    return {
      ...base,
      status: 'quarantined',
      reason: reading.quarantine.message,
      quarantine: reading.quarantine,
    };
  const { desired } = reading;
  const found = await findPerson(deps, key, desired, runtime.config.adoptByEmail, {
    indexed: valueOf(indexed),
    leaver: readingSaysLeft(reading),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const version = desired?.version ?? options.eventVersion;
  if (
    found.managed &&
    version &&
    found.managed.marker.version &&
    compareVersions(version, found.managed.marker.version) < 0
  ) {
    return {
      ...base,
      status: 'stale',
      identityId: found.managed.identity.id,
      reason: 'the event is older than the version Kratos already holds',
    };
  }
  const action = planOnePerson(ctx, runtime, key, desired, found);
  if (!action)
    return {
      ...base,
      status: 'unchanged',
      ...(found.managed ? { identityId: found.managed.identity.id } : {}),
    };
  if (action.kind === 'skip') {
    const stale = action.reason.startsWith('stale');
    return {
      ...base,
      status: stale ? 'stale' : 'skipped',
      reason: action.reason,
      ...(action.identityId ? { identityId: action.identityId } : {}),
    };
  }
  if (action.kind === 'deactivate' || action.kind === 'delete') {
    const verdict = await guardSingleRemoval(ctx, deps, action, {
      trigger: options.trigger ?? 'webhook',
      runId,
    });
    if (!verdict.proceed) {
      return {
        ...base,
        runId: verdict.runId,
        status: 'held',
        reason: verdict.reason,
        identityId: action.identityId,
      };
    }
  }
  const outcome = await applyPlan(deps, {
    actions: [action],
    current: currentOf(found),
    // Read by this job a moment ago, under the person's lock: the offboarding need not read it again.
    ...(found.managed ? { readJustNow: new Map([[found.managed.identity.id, found.managed.identity]]) } : {}),
    runId,
    ...(options.by ? { by: options.by } : {}),
    signal: options.signal,
  });
  return toOutcome(base, outcome.results[0]);
}

function valueOf<T>(settled: PromiseSettledResult<T>): T {
  if (settled.status === 'rejected') throw settled.reason;
  return settled.value;
}

function currentOf(found: Awaited<ReturnType<typeof findPerson>>): Map<string, Identity> {
  const current = new Map<string, Identity>();
  if (found.managed) current.set(found.managed.identity.id, found.managed.identity);
  for (const identity of found.adoptable.values()) current.set(identity.id, identity);
  return current;
}

function toOutcome(
  base: { source: string; key: string; runId: string },
  result: ItemResult | undefined,
): PersonOutcome {
  if (!result) return { ...base, status: 'unchanged' };
  const { action } = result;
  const outcome: PersonOutcome = { ...base, status: 'unchanged', reason: action.reason };
  if (result.identityId) outcome.identityId = result.identityId;
  if ('changed' in action) outcome.changed = [...action.changed];
  if (result.outcome === 'failed') outcome.status = 'failed';
  else if (result.outcome === 'skipped') outcome.status = 'skipped';
  else if (action.kind !== 'skip') outcome.status = STATUS_OF[action.kind];
  if (result.error) outcome.error = result.error;
  if (result.note) outcome.reason = `${action.reason}; ${result.note}`;
  return outcome;
}
