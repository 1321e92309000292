import type { SyncContext } from './context.ts';
import { syncPerson, type PersonOutcome } from './sync-person.ts';

/** Takes a person's lock (the queue runtime's per-person locks), or null when someone else holds it. */
export type TakePersonLock = (
  person: { source: string; key: string },
  owner: string,
) => Promise<{ readonly lost: AbortSignal; release(): Promise<void> } | null>;

export type PersonNowOutcome = PersonOutcome | { status: 'busy'; source: string; key: string };

/**
 * One person's sync on an operator's request (CLI `sync --person`, the console's Retry of a quarantined
 * record): the code the `person.sync` job runs — fetch, map, plan, guard, apply — under the same
 * per-person lock, so it never overlaps a worker's job or a full-sync chunk of that person. A person locked
 * by someone else is not waited for: the outcome says `busy`.
 */
export async function syncPersonNow(
  ctx: SyncContext,
  takeLock: TakePersonLock,
  person: { source: string; key: string; owner: string; trigger: 'cli' | 'api'; by?: string },
): Promise<PersonNowOutcome> {
  const lock = await takeLock({ source: person.source, key: person.key }, person.owner);
  if (!lock) return { status: 'busy', source: person.source, key: person.key };
  try {
    return await syncPerson(ctx, person.source, person.key, {
      trigger: person.trigger,
      ...(person.by ? { by: person.by } : {}),
      signal: lock.lost,
    });
  } finally {
    await lock.release();
  }
}
