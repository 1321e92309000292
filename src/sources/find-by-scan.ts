import { safeKeyOf } from './record-meta.ts';
import { SourceError, sourceRowError, type SourceRecord } from './types.ts';

/**
 * `fetchOne` for sources without a lookup: read the stream until a record with the key turns up. Null only
 * when the whole stream was read and nothing could be that person: a bad row without a key, or with this
 * key, makes the answer unknown (SourceError), because null would make the engine treat them as a leaver.
 */
export async function findByScan(
  records: AsyncIterable<SourceRecord>,
  keyOf: (record: SourceRecord) => string | undefined,
  key: string,
): Promise<SourceRecord | null> {
  let doubt: string | undefined;
  for await (const record of records) {
    const problem = sourceRowError(record);
    if (problem === undefined) {
      if (safeKeyOf(keyOf, record) === key) return record;
    } else if (problem.key === undefined || problem.key === key) {
      doubt ??= problem.message;
    }
  }
  if (doubt !== undefined) {
    throw new SourceError(`no readable record has key "${key}", but a record could not be read (${doubt})`, {
      transient: false,
    });
  }
  return null;
}
