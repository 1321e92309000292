import type { SyncErrorCode } from '../errors/catalogue.ts';

/**
 * A source is the system of record (HR, CRM, SCIM directory, CSV export). It streams every record for a full
 * reconcile and fetches one record by its key for a webhook-triggered sync (events are hints, not truth).
 *
 * Words used here:
 * - record: one person as the source sees them, a plain JSON-like object (CSV: one row; HTTP: one item;
 *   SCIM: one flattened User, see `src/sources/scim/flatten-scim-user.ts`).
 * - bad row: a record the source could read only in part (a CSV row with the wrong number of fields, an HTTP
 *   item that is not an object, a SCIM resource without `id`). It is yielded in place, marked with
 *   `__error`, so the mapping layer can quarantine it and the rest of the run goes on.
 * - snapshot: everything one `stream()` yielded. It is complete only if the iterator ended normally.
 */
export type SourceRecord = Record<string, unknown>;

export interface Source {
  readonly name: string;
  /**
   * Every record, in source order. Must throw (never end quietly) when the source fails or is cut short, so
   * the run's snapshot is marked incomplete and nothing is deactivated or deleted.
   *
   * Row-level problems do not throw: the record is yielded as a bad row (see `sourceRowError`). A bad row
   * means one person's state is unknown, so the engine must not treat anyone as "absent" on its account:
   * when `sourceRowError(record).key` is set, that key must not be deactivated or deleted in this run; when it
   * is not set, nobody can be ruled out, and removals of the run must be held.
   */
  stream(signal?: AbortSignal): AsyncIterable<SourceRecord>;
  /**
   * One record by key; null when the source does not have it (a leaver for the leaver policy). Throws
   * `SourceError` when it cannot tell (source down, or the record may sit on a row it could not read):
   * null is only ever returned when the source positively does not have the key.
   */
  fetchOne(key: string, signal?: AbortSignal): Promise<SourceRecord | null>;
}

/**
 * A source refused or broke mid-read: the run's snapshot is incomplete. Its catalogue code follows from
 * `transient`: `SYNC_ERR_SOURCE_UNAVAILABLE` (retried) or `SYNC_ERR_SOURCE_REFUSED` (not).
 */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly transient: boolean;
  readonly code: SyncErrorCode;
  constructor(message: string, options: { cause?: unknown; transient?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient ?? true;
    this.code = this.transient ? 'SYNC_ERR_SOURCE_UNAVAILABLE' : 'SYNC_ERR_SOURCE_REFUSED';
  }
}

/**
 * Reserved record keys. Both are NON-enumerable properties, so `Object.keys`, JSON, diffs and JSONata's
 * `$keys`/`$each` never see them, while `record.__line` / `sourceLine(record)` still read them. Source field
 * names starting with `__` are therefore not used for these two names.
 */
export const SOURCE_LINE_KEY = '__line';
export const SOURCE_ERROR_KEY = '__error';

/** Why a row could not be read as a record. Contains no field values (they are personal data). */
export interface SourceRowError {
  /**
   * Stable reason: `field-count` (CSV row with more/fewer fields than the header), `not-an-object`
   * (HTTP item that is not a JSON object), `invalid-resource` (SCIM resource without a usable `id`).
   */
  rule: 'field-count' | 'not-an-object' | 'invalid-resource';
  /** Human-readable and specific, e.g. `line 7: expected 5 fields as in the header, found 6`. */
  message: string;
  /**
   * The record key, when it could still be read (best effort: a CSV row whose fields shifted may show the
   * wrong one). Absent when nothing trustworthy could be read.
   */
  key?: string;
}

/** The 1-based line a CSV record starts on (records spanning lines through quoted newlines: the first). */
export function sourceLine(record: SourceRecord): number | undefined {
  const line = record[SOURCE_LINE_KEY];
  return typeof line === 'number' ? line : undefined;
}

/** The problem of a bad row, or undefined for a good record. A bad row has no other (enumerable) fields. */
export function sourceRowError(record: SourceRecord): SourceRowError | undefined {
  return record[SOURCE_ERROR_KEY] as SourceRowError | undefined;
}
