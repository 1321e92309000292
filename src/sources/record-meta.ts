import { SOURCE_ERROR_KEY, SOURCE_LINE_KEY, type SourceRecord, type SourceRowError } from './types.ts';

// Non-enumerable on purpose: the reserved keys must not show up as fields in mapping, JSON or diffs.
function hide(record: SourceRecord, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: false, writable: false, configurable: false });
}

/** Attach the 1-based line a record starts on (CSV). */
export function withLine<T extends SourceRecord>(record: T, line: number): T {
  hide(record, SOURCE_LINE_KEY, line);
  return record;
}

/** A bad row: no fields, only the reason (and line, when the source has lines). */
export function badRow(error: SourceRowError, line?: number): SourceRecord {
  const record: SourceRecord = {};
  hide(record, SOURCE_ERROR_KEY, Object.freeze({ ...error }));
  if (line !== undefined) hide(record, SOURCE_LINE_KEY, line);
  return record;
}

/** Call the mapping layer's key function; a throwing one counts as "no key" (the mapping reports why). */
export function safeKeyOf(keyOf: (record: SourceRecord) => string | undefined, record: SourceRecord) {
  try {
    return keyOf(record);
  } catch {
    return undefined;
  }
}
