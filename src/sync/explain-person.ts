import { MAX_REISSUES } from '../config/sections/source.ts';
import type { Identity } from '../domain/identity.ts';
import { readAuditForPerson, type AuditEntry } from '../store/audit-store.ts';
import { createDeliveryStore, inviteDeliveryId, type DeliveryRecord } from '../store/delivery-store.ts';
import { sourceRowError } from '../sources/types.ts';
import type { OffboardingReceipt } from '../domain/offboarding-receipt.ts';
import { applyDepsFor, runStoreFor } from './apply-deps.ts';
import type { SourceRuntime, SyncContext } from './context.ts';
import { findPerson, type FoundPerson } from './find-person.ts';
import { markerOf } from '../domain/ownership-marker.ts';
import { planOnePerson } from './plan-one-person.ts';
import type { DesiredIdentity, QuarantinedRecord } from '../domain/plan.ts';

/** A job that concerns the person (read from the queue by the caller: identifiers and reasons only). */
export interface PersonJob {
  id: string;
  name: string;
  state: string;
  reason?: string;
  attemptsMade?: number;
}

/** Everything known about one person of one source, in one place (`kratos-sync explain`, the console). */
export interface PersonExplanation {
  source: string;
  key: string;
  record:
    | { outcome: 'mapped'; desired: DesiredIdentity }
    | { outcome: 'out-of-scope'; reason: string }
    | { outcome: 'quarantined'; quarantine: QuarantinedRecord }
    | { outcome: 'absent'; reason: string }
    | { outcome: 'unreadable'; reason: string };
  identity: {
    id: string;
    state: string;
    schemaId: string;
    externalId?: string;
    managed: boolean;
    /** How it was matched to the person. */
    matchedBy: string;
  } | null;
  /** What a sync would do now, and why (the planner run for this one person; nothing is applied). */
  plan: { kind: string; reason: string; changed?: string[] };
  audit: AuditEntry[];
  heldRun: string | null;
  jobs: PersonJob[];
  invite: Pick<
    DeliveryRecord,
    'state' | 'attempt' | 'sentAt' | 'expiresAt' | 'lastError' | 'cancelReason'
  > | null;
  offboarding: Pick<
    OffboardingReceipt,
    'outcome' | 'deactivatedAt' | 'sessionsRevoked' | 'verified' | 'deletedAt' | 'reason'
  > | null;
}

export interface ExplainDeps {
  /** The person's pending and failed jobs (the queue is read by the caller, which owns it). */
  jobsOf?: (source: string, key: string) => Promise<PersonJob[]>;
  /** How many audit entries to show. @defaultValue 10 */
  auditLimit?: number;
}

/**
 * Explain one person: the source record as mapped (or why it is out of scope, quarantined or absent), the
 * identity it matches and how, what a sync would do now and why, the last audit entries, jobs, a held run,
 * the invite and the offboarding receipt. Reads the source, Kratos and Redis and changes nothing in Kratos or
 * the source; the person's lookup (`findPerson`, as a sync's) keeps the marker index in Redis: it drops a stale
 * entry, records an identity a lookup finds, and a leaver's marker scan writes back the entries it sees.
 */
export async function explainPerson(
  ctx: SyncContext,
  runtime: SourceRuntime,
  key: string,
  deps: ExplainDeps = {},
): Promise<PersonExplanation> {
  const source = runtime.name;
  const applyDeps = applyDepsFor(ctx, source);
  const record = await readRecord(ctx, runtime, key);
  const desired = record.outcome === 'mapped' ? record.desired : undefined;
  // As a sync would: a leaver (absent, out of scope, mapped as one) no index entry or lookup finds is
  // searched for by marker in the list (readingSaysLeft).
  const leaver = record.outcome === 'absent' || record.outcome === 'out-of-scope' || desired?.leaver === true;
  const found = await findPerson(applyDeps, key, desired, runtime.config.adoptByEmail, { leaver });
  const identity = found.managed?.identity ?? found.adoptable.values().next().value;
  const matchedBy = identity ? await howMatched(applyDeps.index, key, identity, desired, source) : '';
  const plan = planNow(ctx, runtime, key, desired, found, record.outcome);
  const prefix = ctx.config.redis.prefix;
  const [audit, heldRun, jobs, invite, receipt] = await Promise.all([
    readAuditForPerson(ctx.redis, prefix, source, key, deps.auditLimit ?? 10),
    runStoreFor(ctx).heldRunOf(source, key),
    deps.jobsOf ? deps.jobsOf(source, key) : Promise.resolve([]),
    identity ? latestInvite(ctx, identity.id) : Promise.resolve(null),
    applyDeps.receipts!.get(source, key),
  ]);
  return {
    source,
    key,
    record,
    identity: identity
      ? {
          id: identity.id,
          state: identity.state ?? 'active',
          schemaId: identity.schema_id,
          ...(identity.external_id ? { externalId: identity.external_id } : {}),
          managed: Boolean(found.managed),
          matchedBy,
        }
      : null,
    plan,
    audit,
    heldRun,
    jobs,
    invite,
    offboarding: receipt
      ? {
          outcome: receipt.outcome,
          deactivatedAt: receipt.deactivatedAt,
          sessionsRevoked: receipt.sessionsRevoked,
          verified: receipt.verified,
          deletedAt: receipt.deletedAt,
          reason: receipt.reason,
        }
      : null,
  };
}

async function readRecord(
  ctx: SyncContext,
  runtime: SourceRuntime,
  key: string,
): Promise<PersonExplanation['record']> {
  let record;
  try {
    record = await runtime.source.fetchOne(key);
  } catch (err) {
    return { outcome: 'unreadable', reason: `the source could not be read: ${(err as Error).message}` };
  }
  if (!record)
    return {
      outcome: 'absent',
      reason: 'the source has no record with this key (a leaver, for the leaver policy)',
    };
  const rowError = sourceRowError(record);
  if (rowError)
    return { outcome: 'quarantined', quarantine: { key, rule: rowError.rule, message: rowError.message } };
  const mapped = await runtime.mapper.map(record, 1, ctx.now());
  if (mapped.ok === true) return { outcome: 'mapped', desired: mapped.desired };
  if (mapped.ok === 'out-of-scope')
    return { outcome: 'out-of-scope', reason: 'the mapping scope excludes this record' };
  return { outcome: 'quarantined', quarantine: mapped.quarantine };
}

async function howMatched(
  index: ReturnType<typeof applyDepsFor>['index'],
  key: string,
  identity: Identity,
  desired: DesiredIdentity | undefined,
  source: string,
): Promise<string> {
  if (markerOf(identity, source)?.key !== key)
    return 'not ours: an unmanaged identity with the same email (adoptByEmail decides whether it is adopted)';
  if ((await index.identityIdOf(key)) === identity.id)
    return 'the marker index (person key → identity id), confirmed by the ownership marker on the identity';
  if (desired?.externalId && identity.external_id === desired.externalId)
    return `its external_id "${desired.externalId}"`;
  return 'its email identifier, confirmed by the ownership marker on the identity';
}

function planNow(
  ctx: SyncContext,
  runtime: SourceRuntime,
  key: string,
  desired: DesiredIdentity | undefined,
  found: FoundPerson,
  outcome: PersonExplanation['record']['outcome'],
): PersonExplanation['plan'] {
  // Out of scope counts as absent (a departure), as in every sync; only these two leave the person as is.
  if (outcome === 'quarantined' || outcome === 'unreadable')
    return { kind: 'none', reason: `nothing: the record is ${outcome} (a sync leaves this person as is)` };
  const action = planOnePerson(ctx, runtime, key, desired, found);
  if (!action)
    return {
      kind: 'none',
      reason: found.managed ? 'nothing: the identity already matches the source' : 'nothing',
    };
  return {
    kind: action.kind,
    reason: action.reason,
    ...('changed' in action ? { changed: [...action.changed] } : {}),
  };
}

async function latestInvite(ctx: SyncContext, identityId: string): Promise<PersonExplanation['invite']> {
  const store = createDeliveryStore({ redis: ctx.redis, prefix: ctx.config.redis.prefix, now: ctx.now });
  // Newest first: the first delivery, then up to `onboarding.maxReissues` re-issues (attempts 2…).
  const attempts = Array.from({ length: 1 + MAX_REISSUES }, (_, i) => 1 + MAX_REISSUES - i);
  const records = await Promise.all(
    attempts.map((attempt) => store.get(inviteDeliveryId(identityId, attempt))),
  );
  const latest = records.find((record) => record !== null);
  if (!latest) return null;
  const { state, attempt, sentAt, expiresAt, lastError, cancelReason } = latest;
  return {
    state,
    attempt,
    ...(sentAt ? { sentAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(lastError ? { lastError } : {}),
    ...(cancelReason ? { cancelReason } : {}),
  };
}
