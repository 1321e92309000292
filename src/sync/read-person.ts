import type { DesiredIdentity, QuarantinedRecord } from '../domain/plan.ts';
import { sourceRowError } from '../sources/types.ts';
import type { SourceRuntime, SyncContext } from './context.ts';
import { sourceRuntime } from './apply-deps.ts';

/**
 * What the source says about one person now: a record the mapping refuses (quarantined), or what the
 * mapping makes of it — `desired` undefined when the source no longer has the person or the mapping leaves
 * them out of scope, both of which the planner treats as gone.
 */
export type PersonReading =
  { kind: 'quarantined'; quarantine: QuarantinedRecord } | { kind: 'read'; desired?: DesiredIdentity };

/** Fetch one person's record from the source and map it, as a single person's sync does. */
export async function readPerson(
  ctx: SyncContext,
  runtime: SourceRuntime,
  key: string,
  signal?: AbortSignal,
): Promise<PersonReading> {
  const record = await runtime.source.fetchOne(key, signal);
  if (!record) return { kind: 'read' };
  const rowError = sourceRowError(record);
  if (rowError)
    return { kind: 'quarantined', quarantine: { key, rule: rowError.rule, message: rowError.message } };
  const mapped = await runtime.mapper.map(record, 1, ctx.now());
  if (mapped.ok === false) return { kind: 'quarantined', quarantine: mapped.quarantine };
  return mapped.ok === true ? { kind: 'read', desired: mapped.desired } : { kind: 'read' };
}

/**
 * Whether the source says this person has left: gone from it (or out of the mapping's scope), or mapped as
 * a leaver (`leaver.when`, a passed `leaver.terminationDate`) — the people a sync offboards. A record the
 * mapping refuses says nothing.
 */
export function readingSaysLeft(reading: PersonReading): boolean {
  return reading.kind === 'read' && (reading.desired === undefined || reading.desired.leaver);
}

/**
 * For a queued `person.sync` job's place in the queue (leavers first): whether the source now says the
 * person left. Only an ordering hint, like a webhook's `leaverEvent`: the job reads the record again and
 * the guard still decides, so a source that cannot be read now answers false (ordinary) rather than fail.
 */
export async function sourceSaysLeft(ctx: SyncContext, sourceName: string, key: string): Promise<boolean> {
  try {
    return readingSaysLeft(await readPerson(ctx, sourceRuntime(ctx, sourceName), key));
  } catch (err) {
    ctx.logger.warn({ err, source: sourceName }, 'source not read for the queue order; queued as ordinary');
    return false;
  }
}
