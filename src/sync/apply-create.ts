import type { ApiGeneration, BatchCreateResult, CreateIdentityBody, Identity } from '../kratos/types.ts';
import { describeFailure, isKratosFailure, maybeApplied, statusOf, withoutValues } from './apply-errors.ts';
import { mapPool } from './apply-pool.ts';
import { lookUpCreates, type UnsettledCreate } from './apply-resolve.ts';
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
 * created once more (the first attempt never landed).
 */
export async function applyCreates(
  deps: ApplyDeps,
  actions: CreateAction[],
  onSettled: (results: ItemResult[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const generation = deps.kratos.capabilities.generation;
  const items = actions.map((action) => ({
    action,
    body: createBodyOf(action, deps.source, generation),
  }));
  // Settle in slices so the audit trail, the index and onboarding hooks follow along on a 100 000-person run.
  const slice = deps.kratos.capabilities.batchCreate
    ? deps.batchSize
    : Math.max(deps.batchSize, deps.concurrency);
  for (let start = 0; start < items.length; start += slice) {
    signal?.throwIfAborted();
    const chunk = items.slice(start, start + slice);
    const first = deps.kratos.capabilities.batchCreate
      ? await createBatch(deps, chunk)
      : await createSingles(deps, chunk, signal);
    await onSettled(await settle(deps, chunk, first));
  }
}

const bodies = new WeakMap<CreateAction, CreateIdentityBody>();

/** The create body of an action, built once (the audit trail and the marker index read it again). */
export function createBodyOf(
  action: CreateAction,
  source: string,
  generation: ApiGeneration,
): CreateIdentityBody {
  let body = bodies.get(action);
  if (!body) {
    body = toCreateBody(action.desired, source, generation);
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
  | { kind: 'failed'; result: ItemResult };

async function createBatch(deps: ApplyDeps, chunk: UnsettledCreate[]): Promise<FirstTry[]> {
  let results: BatchCreateResult[];
  try {
    results = await deps.kratos.batchCreateIdentities(chunk.map((item) => item.body));
  } catch (err) {
    if (!isKratosFailure(err)) throw err;
    // The whole request failed after the client's retries. If it may have landed, look every entry up.
    return chunk.map((item) => (maybeApplied(err) ? { kind: 'unsettled', error: err } : failed(item, err)));
  }
  return results.map((result, i): FirstTry => {
    const item = chunk[i]!;
    if (result === null) return { kind: 'unsettled' };
    if (result.ok) return { kind: 'created', id: result.id };
    if (result.status === 409) return { kind: 'unsettled' };
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
        return statusOf(err) === 409 || maybeApplied(err)
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
  first.forEach((attempt, i) => {
    const { action } = chunk[i]!;
    if (attempt.kind === 'created') results[i] = { action, outcome: 'applied', identityId: attempt.id };
    else if (attempt.kind === 'failed') results[i] = attempt.result;
    else unsettled.push(i);
  });
  if (unsettled.length === 0) return results;
  let lookups;
  try {
    lookups = await lookUpCreates(
      deps,
      unsettled.map((i) => chunk[i]!),
    );
  } catch (err) {
    if (!isKratosFailure(err)) throw err;
    for (const i of unsettled) results[i] = failed(chunk[i]!, err).result;
    return results;
  }
  const retry: number[] = [];
  const catchUp: Array<{ i: number; identity: Identity }> = [];
  unsettled.forEach((i, n) => {
    const lookup = lookups[n]!;
    const attempt = first[i] as { kind: 'unsettled'; error?: unknown };
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
      statusOf(attempt.error) !== 409
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
      results[i] =
        statusOf(err) === 409
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
  const generation = deps.kratos.capabilities.generation;
  const target = targetFields(action.desired, identity, deps.source, generation);
  const changed = changedPaths(identity, target, generation).map(formatPath);
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
