import type { Identity } from '../domain/identity.ts';
import type { CreateIdentityBody } from '../kratos/types.ts';
import { adminDigest } from '../store/admin-digest.ts';
import type { AuditEntry } from '../store/audit-store.ts';
import type { MarkerIndexEntry } from '../store/marker-index.ts';
import { applyCreates, createBodyOf, forgetBody } from './apply-create.ts';
import { mapPool } from './apply-pool.ts';
import { applyRemoval } from './apply-removal.ts';
import type {
  ApplyDeps,
  ApplyProgress,
  CreateAction,
  ItemResult,
  RemovalAction,
  WriteAction,
} from './apply-types.ts';
import { applyWrite } from './apply-write.ts';
import { markerOf, readMarker } from '../domain/ownership-marker.ts';
import type { AuditRange } from '../domain/run-report.ts';
import type { PlanAction } from '../domain/plan.ts';

export interface ApplyInput {
  /** The guarded actions to carry out (`skip` actions are ignored). */
  actions: readonly PlanAction[];
  /** Identities as last read (managed ones and adoption candidates), by id: the base of each write. */
  current: ReadonlyMap<string, Identity>;
  /**
   * Identities this same job read by id just before planning (a `person.sync` job's lookup), by id: a
   * removal starts from these instead of reading the identity again. Full runs leave it out: their reads
   * are as old as their listing.
   */
  readJustNow?: ReadonlyMap<string, Identity>;
  runId: string;
  /** Who asked for these changes when a person did (`console:<user>`): kept on every audit entry. */
  by?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ApplyProgress) => void;
  /**
   * Called with each settled slice. With it, `ApplyOutcome.results` stays empty: a 100 000-person first run
   * is tallied as it goes instead of keeping every outcome in memory.
   */
  onSettled?: (results: ItemResult[]) => void;
}

export interface ApplyOutcome {
  results: ItemResult[];
  /** The audit stream span this apply wrote, if it wrote anything. */
  auditRange: AuditRange | null;
  hookErrors: number;
}

/** Slice of writes/removals settled (and audited) together. */
const SLICE = 500;

/**
 * Carry out a guarded plan: creates first (batched), then updates/adoptions/reactivations, then removals.
 * Each item ends applied, failed (code + value-free message) or skipped; none stops the others. Every
 * applied or failed change is written to the audit trail, the marker index follows every write, and the
 * onboarding hooks run after creates and reactivations (a failing hook is logged, never undoes the change).
 */
export async function applyPlan(deps: ApplyDeps, input: ApplyInput): Promise<ApplyOutcome> {
  const creates = input.actions.filter((a): a is CreateAction => a.kind === 'create');
  const writes = input.actions.filter(
    (a): a is WriteAction => a.kind === 'update' || a.kind === 'adopt' || a.kind === 'reactivate',
  );
  const removals = input.actions.filter(
    (a): a is RemovalAction => a.kind === 'deactivate' || a.kind === 'delete',
  );
  const total = creates.length + writes.length + removals.length;
  const outcome: ApplyOutcome = { results: [], auditRange: null, hookErrors: 0 };
  let done = 0;
  const settled = async (results: ItemResult[], written: Map<string, Identity> = new Map()) => {
    await deps.images?.flush();
    await followIndex(deps, results, written);
    outcome.hookErrors += await runHooks(deps, results, input.runId);
    const range = await deps.audit.record(auditEntries(deps, results, input));
    if (range) outcome.auditRange = { from: outcome.auditRange?.from ?? range.from, to: range.to };
    for (const result of results) if (result.action.kind === 'create') forgetBody(result.action);
    if (input.onSettled) input.onSettled(results);
    else outcome.results.push(...results);
    done += results.length;
    input.onProgress?.({ done, total });
  };

  await applyCreates(deps, creates, (results) => settled(results), input.signal);
  for (let start = 0; start < writes.length; start += SLICE) {
    input.signal?.throwIfAborted();
    const written = new Map<string, Identity>();
    const results = await mapPool(writes.slice(start, start + SLICE), deps.concurrency, async (action) => {
      const done = await applyWrite(deps, action, input.current.get(action.identityId));
      if (done.written) written.set(action.identityId, done.written);
      return done.result;
    });
    await settled(results, written);
  }
  for (let start = 0; start < removals.length; start += SLICE) {
    input.signal?.throwIfAborted();
    await settled(
      await mapPool(removals.slice(start, start + SLICE), deps.concurrency, (action) =>
        applyRemoval(deps, action, input.readJustNow?.get(action.identityId)),
      ),
    );
  }
  return outcome;
}

/** The marker index follows every create and write (removals keep it in step themselves). */
async function followIndex(
  deps: ApplyDeps,
  results: ItemResult[],
  written: Map<string, Identity>,
): Promise<void> {
  const entries: Array<{ identityId: string } & MarkerIndexEntry> = [];
  const externalIds = deps.kratos.capabilities.externalIdLookup;
  for (const result of results) {
    if (result.outcome !== 'applied' || !result.identityId) continue;
    const { action } = result;
    if (action.kind === 'create') {
      const metadataAdmin = createBodyOf(action, deps.source, externalIds).metadata_admin;
      const marker = readMarker({ metadata_admin: metadataAdmin });
      if (marker) entries.push({ identityId: result.identityId, marker, ...digestOf(deps, metadataAdmin) });
      continue;
    }
    const identity = written.get(result.identityId);
    const marker = identity ? markerOf(identity, deps.source) : null;
    if (identity && marker)
      entries.push({ identityId: identity.id, marker, ...digestOf(deps, identity.metadata_admin) });
  }
  await deps.index.putMany(entries);
}

/**
 * Hooks of one slice in flight together (onboarding queues a job per new hire: one Redis round trip each,
 * ~0.2 ms, which one after another made a slice of 1,000 creates wait ~200 ms for its invites).
 */
const HOOKS_IN_FLIGHT = 16;

async function runHooks(deps: ApplyDeps, results: ItemResult[], runId: string): Promise<number> {
  type Hook = NonNullable<ApplyDeps['hooks']['identityCreated']>;
  const due: Array<{ action: CreateAction | WriteAction; identityId: string; hook: Hook }> = [];
  for (const result of results) {
    const { action } = result;
    if (result.outcome !== 'applied' || !result.identityId) continue;
    if (action.kind !== 'create' && action.kind !== 'reactivate') continue;
    const hook = action.kind === 'create' ? deps.hooks.identityCreated : deps.hooks.identityReactivated;
    if (hook) due.push({ action, identityId: result.identityId, hook });
  }
  let errors = 0;
  await mapPool(due, HOOKS_IN_FLIGHT, async ({ action, identityId, hook }) => {
    try {
      await hook.call(deps.hooks, {
        source: deps.source,
        key: action.key,
        identityId,
        desired: action.desired,
        runId,
      });
    } catch (err) {
      errors += 1;
      deps.logger.error(
        { err, key: action.key, identityId, hook: action.kind },
        'sync hook failed; the change itself stands',
      );
    }
  });
  return errors;
}

function auditEntries(
  deps: ApplyDeps,
  results: ItemResult[],
  { runId, by }: Pick<ApplyInput, 'runId' | 'by'>,
): AuditEntry[] {
  const at = deps.now().toISOString();
  const entries: AuditEntry[] = [];
  for (const result of results) {
    if (result.outcome === 'skipped') continue;
    const entry: AuditEntry = {
      at,
      runId,
      source: deps.source,
      key: result.action.key,
      action: result.action.kind,
      changed: changedFields(deps, result.action),
      outcome: result.outcome,
    };
    const identityId =
      result.identityId ?? ('identityId' in result.action ? result.action.identityId : undefined);
    if (identityId) entry.identityId = identityId;
    if (result.error) entry.error = result.error;
    if (by) entry.by = by;
    entries.push(entry);
  }
  return entries;
}

/** Field names only: what a create writes, what an update changed, what a deactivation stamps. */
function changedFields(deps: ApplyDeps, action: PlanAction): string[] {
  switch (action.kind) {
    case 'create':
      return createdFields(createBodyOf(action, deps.source, deps.kratos.capabilities.externalIdLookup));
    case 'update':
    case 'adopt':
    case 'reactivate':
      return [...action.changed];
    case 'deactivate':
      return ['state', 'metadata_admin.kratos_sync.deactivated_at'];
    default:
      return [];
  }
}

const CREATED_FIELDS = ['schema_id', 'state', 'metadata_public', 'metadata_admin', 'external_id'] as const;

/** The last create's field list, with the trait names and present fields it was made from. */
let lastCreated: { traits: string[]; present: number; fields: string[] } | undefined;

/**
 * The sorted field names a create writes: its traits and the fields it sets. The creates of a run nearly
 * always write the same fields, so the last list is handed out again (frozen: entries share it) while the
 * trait names and set fields are the same, instead of building and sorting one per person.
 */
function createdFields(body: CreateIdentityBody): string[] {
  const traits = Object.keys(body.traits);
  let present = 0;
  CREATED_FIELDS.forEach((field, bit) => {
    if (body[field] !== undefined && body[field] !== null) present |= 1 << bit;
  });
  const last = lastCreated;
  if (last && last.present === present && sameNames(last.traits, traits)) return last.fields;
  const set = CREATED_FIELDS.filter((_, bit) => (present & (1 << bit)) !== 0);
  const fields = Object.freeze([...traits.map((name) => `traits.${name}`), ...set].sort()) as string[];
  lastCreated = { traits, present, fields };
  return fields;
}

function sameNames(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The admin-metadata digest is only needed where lists omit `metadata_admin` (v0.10, see managed.ts); elsewhere
 * the index holds the marker alone, for finding a person's identity.
 */
export function digestOf(deps: Pick<ApplyDeps, 'kratos'>, metadataAdmin: unknown): { adminDigest?: string } {
  return deps.kratos.capabilities.listIncludesAdminMetadata
    ? {}
    : { adminDigest: adminDigest(metadataAdmin) };
}
