import type { Identity } from '../domain/identity.ts';
import { markerOf } from '../domain/ownership-marker.ts';
import type { HeldAction } from '../store/run-store.ts';
import { sourceRowError } from '../sources/types.ts';
import type { ItemResult } from './apply-types.ts';
import type { SourceRuntime, SyncContext } from './context.ts';
import { planOnePerson } from './plan-one-person.ts';
import { readHeldPeople, type SourceAnswer } from './read-held-people.ts';

/**
 * Approval's look at the source as it is now. Hours may pass between the run that held a removal and the
 * human who approves it; if the source was fixed meanwhile (the person is back, active), the removal would
 * take away access the source no longer asks to take away. Each held person is read again by key and run
 * through the same one-person planner a single-person sync uses, with the identity as Kratos has it now
 * (`current`, from the Kratos re-check):
 * - absent, or out of the mapping's scope: the removal stands (the same "has left" the run saw);
 * - present: it stands only if the planner still asks for a deactivate or delete (a leaver by the record);
 *   anything else — an update, a reactivation, nothing to do — means the source wants them to keep access;
 * - the source cannot answer (an error, an unreadable row, a record the mapping quarantines): nobody is
 *   removed on doubt.
 * Skipped removals come back with the reason; the next sync decides about them with fresh data.
 */
export async function recheckSource(
  ctx: SyncContext,
  runtime: SourceRuntime,
  held: readonly HeldAction[],
  current: ReadonlyMap<string, Identity>,
): Promise<{ valid: HeldAction[]; skipped: ItemResult[] }> {
  const valid: HeldAction[] = [];
  const skipped: ItemResult[] = [];
  const answers = await readHeldPeople(runtime, [...new Set(held.map((a) => a.key))]);
  for (const action of held) {
    const answer = answers.get(action.key)!;
    const why = await reasonToKeep(ctx, runtime, action, answer, current.get(action.identityId));
    if (!why) valid.push(action);
    else skipped.push({ action, outcome: 'skipped', identityId: action.identityId, ...why });
  }
  return { valid, skipped };
}

type Keep = Pick<ItemResult, 'error' | 'note'>;

async function reasonToKeep(
  ctx: SyncContext,
  runtime: SourceRuntime,
  action: HeldAction,
  answer: SourceAnswer,
  identity: Identity | undefined,
): Promise<Keep | null> {
  const not = action.kind === 'delete' ? 'not deleted' : 'not deactivated';
  if ('unknown' in answer) {
    const { code, why } = answer.unknown;
    return {
      error: {
        code,
        message: `the source could not say whether key "${action.key}" still has left (${why}): ${not} on doubt`,
      },
    };
  }
  const { record } = answer;
  if (!record) return null;
  const rowError = sourceRowError(record);
  if (rowError)
    return {
      error: {
        code: 'SYNC_ERR_SOURCE_REFUSED',
        message: `the source's record for key "${action.key}" cannot be read (${rowError.message}): ${not} on doubt`,
      },
    };
  const mapped = await runtime.mapper.map(record, 1, ctx.now());
  if (mapped.ok === 'out-of-scope') return null;
  if (mapped.ok === false)
    return {
      error: {
        code: 'SYNC_ERR_RECORD_INVALID',
        message: `the source's record for key "${action.key}" is quarantined (${mapped.quarantine.message}): ${not} on doubt`,
      },
    };
  const marker = identity ? markerOf(identity, runtime.name) : null;
  const found = { others: [], adoptable: new Map<string, Identity>() };
  const now = planOnePerson(
    ctx,
    runtime,
    action.key,
    mapped.desired,
    identity && marker ? { ...found, managed: { identity, marker } } : found,
  );
  if (now && (now.kind === 'deactivate' || now.kind === 'delete')) return null;
  const instead = now ? `a sync now would ${now.kind}: ${now.reason}` : 'a sync now would change nothing';
  return {
    note: `the source lists key "${action.key}" again and it keeps access (${instead}): ${not}`,
  };
}
