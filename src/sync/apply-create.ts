import { hasCode } from '../errors/describe-error.ts';
import { prepareBatchCreate } from '../kratos/batch-create.ts';
import type { BatchCreateResult, CreateIdentityBody } from '../kratos/types.ts';
import type { Identity } from '../domain/identity.ts';
import { describeFailure, isKratosFailure, maybeApplied, withoutValues } from './apply-errors.ts';
import { mapPool } from './apply-pool.ts';
import { lookUpCreates, type CreateLookup, type UnsettledCreate } from './apply-resolve.ts';
import type { ApplyDeps, CreateAction, ItemResult, WriteAction } from './apply-types.ts';
import { applyWrite } from './apply-write.ts';
import { formatPath } from './diff.ts';
import { toCreateBody } from './identity-body.ts';
import { changedPaths, targetFields } from './target.ts';

/**
 * Creates, batched where the server can (PATCH /admin/identities, ≤ batchSize per request, one request in
 * flight: Ory Network allows one create per project at a time), else `concurrency` single creates at once.
 * A create that answers 409, or whose answer was lost, is settled by lookup (`lookUpCreates`): found with
 * our marker → it was ours all along; found without → a real conflict; not found after a lost answer →
 * created once more (the first attempt never landed). A batch refused as a whole with 409 created nothing:
 * see `resolveRefusedBatch`.
 */
export async function applyCreates(
  deps: ApplyDeps,
  actions: CreateAction[],
  onSettled: (results: ItemResult[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const batched = deps.kratos.capabilities.batchCreate;
  // Settle in slices so the audit trail, the index and onboarding hooks follow along on a 100 000-person run.
  const slice = batched ? deps.batchSize : Math.max(deps.batchSize, deps.concurrency);
  // While a slice's creates are in flight (Kratos), the slice before it is recorded (audit, index, hooks:
  // Redis and our CPU) and the next slice's request is built, so neither side waits for the other. Both
  // start once the request is written out, so they never hold it up. Kratos still sees one create request
  // at a time: a slice's lookups and second attempts run after the previous slice is recorded and before
  // the next slice is sent.
  let settledBefore: ItemResult[] | undefined;
  let finished = false;
  try {
    let next: Slice | undefined = prepareSlice(deps, actions, 0, slice);
    for (let start = 0; start < actions.length; start += slice) {
      signal?.throwIfAborted();
      const chunk: Slice = next!;
      const attempt: Promise<FirstTry[]> = batched
        ? createBatch(deps, chunk, signal)
        : createSingles(deps, chunk.items, signal);
      const previous = settledBefore;
      settledBefore = undefined;
      const recording = previous ? afterSending(() => onSettled(previous)) : undefined;
      const upcoming: Promise<Slice> | undefined =
        start + slice < actions.length
          ? afterSending(() => prepareSlice(deps, actions, start + slice, slice))
          : undefined;
      const [first, recorded, prepared] = await Promise.allSettled([attempt, recording, upcoming]);
      if (first.status === 'rejected') {
        if (recorded.status === 'rejected') throw recorded.reason;
        throw first.reason;
      }
      if (recorded.status === 'rejected') {
        // The creates sent meanwhile may have landed: try to record them too before failing.
        await settle(deps, chunk.items, first.value)
          .then(onSettled)
          .catch(() => undefined);
        throw recorded.reason;
      }
      settledBefore = await settle(deps, chunk.items, first.value);
      if (prepared.status === 'rejected') throw prepared.reason;
      next = prepared.value;
    }
    finished = true;
  } finally {
    // Never leave a settled slice unrecorded behind an error or an abort.
    if (!finished && settledBefore) await onSettled(settledBefore).catch(() => undefined);
  }
  // Only reached without an error: the last slice's recording failing is this run's failure.
  if (settledBefore) await onSettled(settledBefore);
}

/** One slice of creates: each action with its body, and the bodies as the batch request sends them. */
interface Slice {
  items: UnsettledCreate[];
  bodies: CreateIdentityBody[];
}

/**
 * Build a slice's create bodies and, where creates are batched, serialise its request now: done while the
 * previous batch is in flight, so the next one goes out as soon as that one is answered.
 */
function prepareSlice(deps: ApplyDeps, actions: CreateAction[], start: number, size: number): Slice {
  const externalIds = deps.kratos.capabilities.externalIdLookup;
  const items = actions.slice(start, start + size).map((action) => ({
    action,
    body: createBodyOf(action, deps.source, externalIds),
  }));
  const bodies = items.map((item) => item.body);
  prepareBatchCreate(deps.kratos.capabilities, bodies);
  return { items, bodies };
}

/** Run `work` after a turn of the event loop: a request started just before is written out first. */
function afterSending<T>(work: () => T | Promise<T>): Promise<T> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(work);
}

const bodies = new WeakMap<CreateAction, CreateIdentityBody>();

/** The create body of an action, built once (the audit trail and the marker index read it again). */
export function createBodyOf(action: CreateAction, source: string, externalIds: boolean): CreateIdentityBody {
  let body = bodies.get(action);
  if (!body) {
    body = toCreateBody(action.desired, source, externalIds);
    bodies.set(action, body);
  }
  return body;
}

/** Drop the cached body once its outcome is recorded. */
export function forgetBody(action: CreateAction): void {
  bodies.delete(action);
}

type FirstTry =
  | { kind: 'created'; id: string }
  | { kind: 'unsettled'; error?: unknown }
  /** Already looked up (after a batch refused as a whole): settled from this answer, not looked up again. */
  | { kind: 'found'; lookup: Exclude<CreateLookup, { found: 'none' }> }
  | { kind: 'failed'; result: ItemResult };

async function createBatch(deps: ApplyDeps, slice: Slice, signal?: AbortSignal): Promise<FirstTry[]> {
  const chunk = slice.items;
  let results: BatchCreateResult[];
  try {
    results = await deps.kratos.batchCreateIdentities(slice.bodies);
  } catch (err) {
    if (!isKratosFailure(err)) throw err;
    if (hasCode(err, 'SYNC_ERR_KRATOS_CONFLICT') && !maybeApplied(err))
      return resolveRefusedBatch(deps, chunk, signal);
    // The whole request failed after the client's retries. If it may have landed, look every entry up.
    return chunk.map((item) => (maybeApplied(err) ? { kind: 'unsettled', error: err } : failed(item, err)));
  }
  return readBatchResults(chunk, results);
}

/** Per-entry batch answers: created, failed for its own reason, or (409, skipped) to be looked up. */
function readBatchResults(chunk: UnsettledCreate[], results: BatchCreateResult[]): FirstTry[] {
  return results.map((result, i): FirstTry => {
    const item = chunk[i]!;
    if (result === null) return { kind: 'unsettled' };
    if (result.ok) return { kind: 'created', id: result.id };
    if (result.code === 'SYNC_ERR_KRATOS_CONFLICT') return { kind: 'unsettled' };
    const reason = result.reason ? ` (${result.reason})` : '';
    return {
      kind: 'failed',
      result: {
        action: item.action,
        outcome: 'failed',
        error: {
          code: 'SYNC_ERR_KRATOS_REJECTED',
          message: withoutValues(
            `Kratos refused the create: HTTP ${result.status} — ${result.message}${reason}`,
          ),
        },
      },
    };
  });
}

/**
 * A batch refused as a whole with 409 created nothing: v1.0–v1.2 fail every entry for one conflict, and so
 * does v26 on MySQL. Rather than 2,000 single creates, one lookup pass (`lookUpCreates`) finds the entries
 * someone already holds; those are settled from that answer, and the rest go again as one batch. If that is
 * refused as well — two entries of the batch clash with each other, or an identity appeared meanwhile — or
 * the lookup found nothing to take out, the rest are created one by one, each 409 resolved by lookup.
 */
async function resolveRefusedBatch(
  deps: ApplyDeps,
  chunk: UnsettledCreate[],
  signal?: AbortSignal,
): Promise<FirstTry[]> {
  let lookups: CreateLookup[];
  try {
    lookups = await lookUpCreates(deps, chunk);
  } catch (err) {
    if (!isKratosFailure(err)) throw err;
    return chunk.map((item) => failed(item, err));
  }
  const tries = new Array<FirstTry>(chunk.length);
  const rest: number[] = [];
  lookups.forEach((lookup, i) => {
    if (lookup.found === 'none') rest.push(i);
    else tries[i] = { kind: 'found', lookup };
  });
  deps.logger.info(
    { entries: chunk.length, existing: chunk.length - rest.length },
    'kratos refused a batch create as a whole (409); sending the entries nobody holds again',
  );
  const items = rest.map((i) => chunk[i]!);
  let again: FirstTry[] | undefined;
  if (rest.length > 0 && rest.length < chunk.length) {
    try {
      again = readBatchResults(
        items,
        await deps.kratos.batchCreateIdentities(items.map((item) => item.body)),
      );
    } catch (err) {
      if (!isKratosFailure(err)) throw err;
      if (maybeApplied(err)) again = items.map(() => ({ kind: 'unsettled', error: err }));
      else if (!hasCode(err, 'SYNC_ERR_KRATOS_CONFLICT')) again = items.map((item) => failed(item, err));
    }
  }
  again ??= await createSingles(deps, items, signal);
  rest.forEach((i, n) => {
    tries[i] = again[n]!;
  });
  return tries;
}

async function createSingles(
  deps: ApplyDeps,
  chunk: UnsettledCreate[],
  signal?: AbortSignal,
): Promise<FirstTry[]> {
  return mapPool(
    chunk,
    deps.concurrency,
    async (item): Promise<FirstTry> => {
      try {
        return { kind: 'created', id: (await deps.kratos.createIdentity(item.body)).id };
      } catch (err) {
        if (!isKratosFailure(err)) throw err;
        return hasCode(err, 'SYNC_ERR_KRATOS_CONFLICT') || maybeApplied(err)
          ? { kind: 'unsettled', error: err }
          : failed(item, err);
      }
    },
    signal,
  );
}

async function settle(deps: ApplyDeps, chunk: UnsettledCreate[], first: FirstTry[]): Promise<ItemResult[]> {
  const results: ItemResult[] = new Array(chunk.length);
  const unsettled: number[] = [];
  const known = new Map<number, CreateLookup>();
  first.forEach((attempt, i) => {
    const { action } = chunk[i]!;
    if (attempt.kind === 'created') results[i] = { action, outcome: 'applied', identityId: attempt.id };
    else if (attempt.kind === 'failed') results[i] = attempt.result;
    else if (attempt.kind === 'found') known.set(i, attempt.lookup);
    else unsettled.push(i);
  });
  if (unsettled.length === 0 && known.size === 0) return results;
  try {
    const lookups = await lookUpCreates(
      deps,
      unsettled.map((i) => chunk[i]!),
    );
    unsettled.forEach((i, n) => known.set(i, lookups[n]!));
  } catch (err) {
    if (!isKratosFailure(err)) throw err;
    for (const i of unsettled) results[i] = failed(chunk[i]!, err).result;
  }
  const retry: number[] = [];
  const catchUp: Array<{ i: number; identity: Identity }> = [];
  known.forEach((lookup, i) => {
    const attempt = first[i] as { kind: 'unsettled' | 'found'; error?: unknown };
    if (lookup.found === 'ours') {
      catchUp.push({ i, identity: lookup.identity });
    } else if (lookup.found === 'theirs') {
      results[i] = conflict(
        chunk[i]!,
        `identity ${lookup.identityId} already holds this person's external_id or email and is not managed for this key`,
      );
    } else if (
      attempt.error !== undefined &&
      maybeApplied(attempt.error) &&
      !hasCode(attempt.error, 'SYNC_ERR_KRATOS_CONFLICT')
    ) {
      retry.push(i);
    } else {
      results[i] = conflict(
        chunk[i]!,
        'Kratos reports a conflict (an identifier or address is in use) but no identity holding this external_id or email was found',
      );
    }
  });
  await mapPool(catchUp, deps.concurrency, async ({ i, identity }) => {
    results[i] = await bringUpToDate(deps, chunk[i]!.action, identity);
  });
  // The first attempt never landed: one more, now that nothing can be a duplicate.
  await mapPool(retry, deps.concurrency, async (i) => {
    const item = chunk[i]!;
    try {
      results[i] = {
        action: item.action,
        outcome: 'applied',
        identityId: (await deps.kratos.createIdentity(item.body)).id,
      };
    } catch (err) {
      if (!isKratosFailure(err)) throw err;
      results[i] = hasCode(err, 'SYNC_ERR_KRATOS_CONFLICT')
        ? conflict(item, 'Kratos reports a conflict on the second attempt')
        : failed(item, err).result;
    }
  });
  return results;
}

function failed(item: UnsettledCreate, err: unknown): { kind: 'failed'; result: ItemResult } {
  return { kind: 'failed', result: { action: item.action, outcome: 'failed', error: describeFailure(err) } };
}

function conflict(item: UnsettledCreate, message: string): ItemResult {
  return { action: item.action, outcome: 'failed', error: { code: 'SYNC_ERR_KRATOS_CONFLICT', message } };
}

/**
 * The identity exists and is ours: an earlier attempt created it (then it already holds what we want), or
 * the marker index was lost and it predates this record's changes — then it is updated like any other.
 */
async function bringUpToDate(deps: ApplyDeps, action: CreateAction, identity: Identity): Promise<ItemResult> {
  const target = targetFields(
    action.desired,
    identity,
    deps.source,
    deps.kratos.capabilities.externalIdLookup,
  );
  const changed = changedPaths(identity, target).map(formatPath);
  const found = { action, identityId: identity.id };
  if (changed.length === 0)
    return { ...found, outcome: 'applied', note: 'created by an earlier attempt: found by lookup' };
  const update: WriteAction = {
    kind: 'update',
    key: action.key,
    identityId: identity.id,
    desired: action.desired,
    changed,
    reason: 'found by lookup after a create conflict; brought up to date',
  };
  const { result } = await applyWrite(deps, update, identity);
  if (result.outcome === 'failed')
    return { ...found, outcome: 'failed', ...(result.error ? { error: result.error } : {}) };
  return { ...found, outcome: 'applied', note: `found by lookup and updated (${changed.join(', ')})` };
}
