/**
 * A source is the system of record (HR, CRM, SCIM directory, CSV export). It streams every record for a full
 * reconcile and fetches one record by its key for a webhook-triggered sync (events are hints, not truth).
 */
export type SourceRecord = Record<string, unknown>;

export interface Source {
  readonly name: string;
  /**
   * Every record, in source order. Must throw (never end quietly) when the source fails or is cut short, so
   * the run's snapshot is marked incomplete and nothing is deactivated or deleted.
   */
  stream(signal?: AbortSignal): AsyncIterable<SourceRecord>;
  /** One record by key; null when the source does not have it (a leaver for the leaver policy). */
  fetchOne(key: string, signal?: AbortSignal): Promise<SourceRecord | null>;
}

/** A source refused or broke mid-read: the run's snapshot is incomplete. */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly transient: boolean;
  constructor(message: string, options: { cause?: unknown; transient?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient ?? true;
  }
}
