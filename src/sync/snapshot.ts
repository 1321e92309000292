import type { Logger } from '../log/logger.ts';
import type { Mapper, MappingResult } from '../mapping/types.ts';
import { SourceError, sourceRowError, type Source, type SourceRecord } from '../sources/types.ts';
import { coerceError } from '../errors/catalogue.ts';
import type { ReportError } from '../domain/run-report.ts';
import type { DesiredIdentity, QuarantinedRecord } from '../domain/plan.ts';

/**
 * What a full read of the source says: the desired identities (in source order), the records kept out
 * (quarantine, with reasons) and every key the source has — including quarantined ones, so a person with a
 * bad record is never mistaken for a leaver.
 */
export interface Snapshot {
  desired: DesiredIdentity[];
  quarantined: QuarantinedRecord[];
  presentKeys: Set<string>;
  records: number;
  /** True only if the source's stream ended normally: a half-read source must never look like leavers. */
  complete: boolean;
  error?: ReportError;
  /**
   * Records whose key could not be read. Any one of them could be a managed person, so nobody can be
   * ruled out as absent: the run's removals are held for approval.
   */
  unkeyed: number;
}

export interface SnapshotOptions {
  signal?: AbortSignal;
  /** Records mapped at once (mapping is async: JSONata). Order of results is kept. @defaultValue 32 */
  parallelism?: number;
  onRecords?: (records: number) => void;
}

export async function readSnapshot(
  deps: { source: Source; mapper: Mapper; logger: Logger; now: () => Date },
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const parallelism = options.parallelism ?? 32;
  const collector = createCollector();
  const now = deps.now();
  let position = 0;
  let window: Array<{ record: SourceRecord; position: number }> = [];
  const flush = async () => {
    const results = await Promise.all(
      window.map((item) => mapOne(deps.mapper, item.record, item.position, now)),
    );
    results.forEach((result) => collector.add(result));
    window = [];
    options.onRecords?.(position);
  };
  try {
    for await (const record of deps.source.stream(options.signal)) {
      position += 1;
      window.push({ record, position });
      if (window.length >= parallelism) await flush();
      options.signal?.throwIfAborted();
    }
    await flush();
    options.signal?.throwIfAborted();
    return { ...collector.result(), records: position, complete: true };
  } catch (err) {
    // What was read before the failure still counts: its creates and updates go ahead (removals do not).
    await flush();
    const error = coerceError(err);
    deps.logger.warn({ err: error, records: position }, 'source read failed or was cut short');
    return {
      ...collector.result(),
      records: position,
      complete: false,
      error: {
        // The source's own verdict (unavailable, or refused: credentials, URL); anything else that cut the
        // read short (an abort, a mapping failure) leaves the source's state unknown: unavailable.
        code: err instanceof SourceError ? err.code : 'SYNC_ERR_SOURCE_UNAVAILABLE',
        message: `source read stopped after ${position} records: ${error.message}`,
      },
    };
  }
}

async function mapOne(
  mapper: Mapper,
  record: SourceRecord,
  position: number,
  now: Date,
): Promise<MappingResult> {
  const rowError = sourceRowError(record);
  if (rowError) {
    return {
      ok: false,
      quarantine: { key: rowError.key ?? `#${position}`, rule: rowError.rule, message: rowError.message },
    };
  }
  try {
    return await mapper.map(record, position, now);
  } catch (err) {
    // A mapper bug must not sink the run: the record is quarantined with what went wrong.
    const key = mapper.keyOf(record) ?? `#${position}`;
    return { ok: false, quarantine: { key, rule: 'mapping-error', message: coerceError(err).message } };
  }
}

/**
 * Keeps the desired identities in source order while finding duplicate keys and emails: both records of a
 * duplicate are quarantined (SYNC_ERR_RECORD_DUPLICATE), and their key still counts as present.
 */
function createCollector() {
  const desired = new Map<string, DesiredIdentity>();
  const emailOwner = new Map<string, string>();
  const duplicateKeys = new Set<string>();
  const duplicateEmails = new Set<string>();
  const quarantined: QuarantinedRecord[] = [];
  const presentKeys = new Set<string>();
  let unkeyed = 0;

  function duplicateKey(key: string): void {
    const message = `key "${key}" appears more than once in the source`;
    if (!duplicateKeys.has(key)) {
      duplicateKeys.add(key);
      // The earlier record with this key leaves the run too: which of the two is right is unknowable.
      if (desired.delete(key)) quarantined.push({ key, rule: 'duplicate-key', message });
    }
    quarantined.push({ key, rule: 'duplicate-key', message });
  }

  function duplicateEmail(key: string, email: string): void {
    const owner = emailOwner.get(email)!;
    if (!duplicateEmails.has(email)) {
      duplicateEmails.add(email);
      if (desired.delete(owner)) {
        quarantined.push({
          key: owner,
          field: 'email',
          rule: 'duplicate-email',
          message: `the same email as the record with key "${key}"`,
        });
      }
    }
    quarantined.push({
      key,
      field: 'email',
      rule: 'duplicate-email',
      message: `the same email as the record with key "${owner}"`,
    });
  }

  function add(result: MappingResult): void {
    if (result.ok === 'out-of-scope') return;
    if (result.ok === false) {
      const { key } = result.quarantine;
      if (key.startsWith('#')) unkeyed += 1;
      else presentKeys.add(key);
      quarantined.push(result.quarantine);
      return;
    }
    const person = result.desired;
    if (presentKeys.has(person.key)) return duplicateKey(person.key);
    presentKeys.add(person.key);
    const email = person.email?.toLowerCase();
    if (email && emailOwner.has(email)) return duplicateEmail(person.key, email);
    if (email) emailOwner.set(email, person.key);
    desired.set(person.key, person);
  }

  return {
    add,
    result: () => ({ desired: [...desired.values()], quarantined, presentKeys, unkeyed }),
  };
}
