/**
 * Every error kratos-sync reports, with a stable code, what it means and whether it is retried.
 * README's "Error codes" table is generated from this list (a test keeps them in step).
 *
 * Retry classes:
 * - transient: network error, timeout, 429, 502/503/504, Redis hiccup → retried with backoff and jitter.
 * - conflict: a 409 from Kratos → resolved by looking the identity up (create) or quarantined (update).
 * - not-found: a 404 → success for deletes and session revokes, an error elsewhere.
 * - permanent: bad input or a 4xx Kratos refuses → no retry; the record is quarantined with the reason.
 */
export type RetryClass = 'transient' | 'conflict' | 'not-found' | 'permanent';

export interface CatalogueEntry {
  retry: RetryClass;
  meaning: string;
  action: string;
}

export const ERROR_CATALOGUE = {
  SYNC_ERR_KRATOS_UNAVAILABLE: {
    retry: 'transient',
    meaning: 'Kratos did not answer, timed out, or answered 502/503/504.',
    action: 'None: retried with backoff; workers pause while Kratos is down. Check Kratos if it persists.',
  },
  SYNC_ERR_KRATOS_RATE_LIMITED: {
    retry: 'transient',
    meaning: 'Kratos (Ory Network) answered 429.',
    action: 'None: the request waits for the rate-limit window. Lower kratos.concurrency if it is frequent.',
  },
  SYNC_ERR_KRATOS_CONFLICT: {
    retry: 'conflict',
    meaning:
      'Kratos answered 409: an identifier, address or external_id is already used by another identity.',
    action: 'Find the other identity holding the email; merge or remove one, or enable adoptByEmail.',
  },
  SYNC_ERR_KRATOS_NOT_FOUND: {
    retry: 'not-found',
    meaning: 'Kratos answered 404.',
    action:
      'None for deletes and revokes (already done). Elsewhere the identity was removed outside kratos-sync.',
  },
  SYNC_ERR_KRATOS_REJECTED: {
    retry: 'permanent',
    meaning: 'Kratos refused the request (400/401/403/other 4xx), e.g. traits that fail the identity schema.',
    action: 'Read the reason; fix the mapping or the source record. 401/403: check kratos.adminToken.',
  },
  SYNC_ERR_SOURCE_UNAVAILABLE: {
    retry: 'transient',
    meaning: 'The source failed or was cut short while it was read.',
    action: 'The run deactivates and deletes nothing; it is retried. Check the source system.',
  },
  SYNC_ERR_SOURCE_REFUSED: {
    retry: 'permanent',
    meaning:
      'The source refused the read (credentials, URL, permissions), answered what is not JSON or a paging link that cannot be followed, or could not use a record key.',
    action: 'The run deactivates and deletes nothing. Read the message: it names the option to check.',
  },
  SYNC_ERR_SOURCE_SUSPECT: {
    retry: 'permanent',
    meaning:
      'The source read ended normally but returned no records, or far fewer than its last complete read.',
    action:
      'The run removes no one. Check the export; if it is right, set mayBeEmpty or raise guard.maxSourceShrink.',
  },
  SYNC_ERR_RECORD_INVALID: {
    retry: 'permanent',
    meaning: 'A source record failed mapping or identity-schema validation.',
    action: 'The record is quarantined with the field and rule; fix it in the source.',
  },
  SYNC_ERR_RECORD_DUPLICATE: {
    retry: 'permanent',
    meaning: 'Two source records share a key or an email.',
    action: 'Both are quarantined; fix the source so each person appears once.',
  },
  SYNC_ERR_GUARD_HELD: {
    retry: 'permanent',
    meaning: 'A run would deactivate or delete more than the guard allows; removals are held.',
    action: 'Inspect the plan, then `kratos-sync approve <run-id>` or `reject <run-id>`.',
  },
  SYNC_ERR_RUN_LOCKED: {
    retry: 'transient',
    meaning: 'Another full sync (or approval) of the same source holds its lock.',
    action: 'Wait for it to finish (`kratos-sync runs`); the lock expires by itself if its holder died.',
  },
  SYNC_ERR_NOT_MANAGED: {
    retry: 'permanent',
    meaning: "The identity does not carry this source's ownership marker, so kratos-sync will not change it.",
    action: 'None, or enable adoptByEmail to take over identities that match by email.',
  },
  SYNC_ERR_DELIVERY_FAILED: {
    retry: 'transient',
    meaning: 'A recovery link could not be delivered (SMTP or webhook failed).',
    action: 'Retried; check delivery settings. The link is never stored, so a new one is issued on retry.',
  },
  SYNC_ERR_UNDO_REFUSED: {
    retry: 'permanent',
    meaning:
      'A run cannot be undone: no such run, a dry run, an undo itself, still running, or of a source not configured.',
    action: 'Read the reason; pick another run with `kratos-sync runs`.',
  },
  SYNC_ERR_CONFIG_INVALID: {
    retry: 'permanent',
    meaning: 'The configuration is invalid; the message names each option and what is expected.',
    action: 'Fix the option and run `kratos-sync check-config`.',
  },
  SYNC_ERR_JOB_PAYLOAD: {
    retry: 'permanent',
    meaning: "A job's data did not match its schema.",
    action: 'A bug or a job from an incompatible version: inspect with `kratos-sync failed list`.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type SyncErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error of ours: a stable code, a retry class derived from it, and (optionally) the original cause. */
export class SyncError extends Error {
  override name = 'SyncError';
  readonly code: SyncErrorCode;
  readonly retry: RetryClass;
  readonly details: Record<string, unknown>;

  constructor(
    code: SyncErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retry = ERROR_CATALOGUE[code].retry;
    this.details = options.details ?? {};
  }
}

/** Turn anything thrown into an Error, keeping the original as `cause` (non-Error throws happen). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : `non-error thrown: ${JSON.stringify(thrown)}`, {
    cause: thrown,
  });
}
