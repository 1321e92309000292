/**
 * Every Redis key kratos-sync's engine state lives under, in one place. All keys start with the configured
 * hash-tagged prefix (e.g. `{kratos-sync}`), so on a Redis Cluster they share one slot with the queues.
 */
export function engineKeys(prefix: string) {
  return {
    /** Hash identity id → ownership marker JSON, per source (v0.10 lists omit metadata_admin). */
    markerById: (source: string) => `${prefix}:markers:${source}:by-id`,
    /** Hash person key → identity id, per source (finds a person's identity without a lookup filter). */
    markerByKey: (source: string) => `${prefix}:markers:${source}:by-key`,
    /** Hash identity id → updated_at of identities already read and found unmarked (checked once). */
    unmarkedChecked: (source: string) => `${prefix}:markers:${source}:unmarked`,
    /** Records read by a source's last complete full read (the base of `guard.maxSourceShrink`). */
    sourceRecords: (source: string) => `${prefix}:source:${source}:records`,
    /** Hash person key → id of the undecided run whose held removals include that person, per source. */
    heldPeople: (source: string) => `${prefix}:held:${source}:people`,
    /** Sorted set of person keys removed by single-person jobs (score = ms), per source: the rolling guard. */
    eventRemovals: (source: string) => `${prefix}:guard:${source}:event-removals`,
    /** The id of the run that collects a source's held single-person removals until it is decided. */
    eventHold: (source: string) => `${prefix}:held:${source}:event-run`,
    /** Short lock serialising additions to a source's event-hold run. */
    eventHoldLock: (source: string) => `${prefix}:lock:event-hold:${source}`,
    /** The full-sync lock of a source. */
    syncLock: (source: string) => `${prefix}:lock:sync:${source}`,
    /** One run's report (JSON string). */
    run: (runId: string) => `${prefix}:run:${runId}`,
    /** One run's plan summary: a list of JSON entries, in plan order. */
    runPlan: (runId: string) => `${prefix}:run:${runId}:plan`,
    /** One run's held removals (JSON array), waiting for approve/reject. */
    runHeld: (runId: string) => `${prefix}:run:${runId}:held`,
    /** Claim taken by the first approve/reject of a run (makes decisions idempotent). */
    runDecision: (runId: string) => `${prefix}:run:${runId}:decision`,
    /** Claim taken by the first process to announce a run's outcome (held, failed, partial): sent once. */
    runNotified: (runId: string, event: string) => `${prefix}:run:${runId}:notified:${event}`,
    /** Sorted set of a source's run ids (score = start time, ms). */
    runsBySource: (source: string) => `${prefix}:runs:${source}`,
    /** Sorted set of every run id (score = start time, ms). */
    runsAll: () => `${prefix}:runs`,
    /** One run's data key, wrapped by `undo.key` (`<expiry ms>:<sealed>`); dropping it drops the run's images. */
    undoKey: (runId: string) => `${prefix}:undo:${runId}:key`,
    /** Hash identity id → that identity's before-image, sealed with the run's data key. */
    undoImages: (runId: string) => `${prefix}:undo:${runId}:images`,
    /** Stream of audit entries per source. */
    auditStream: (source: string) => `${prefix}:audit:${source}`,
    /** List of audit stream ids for one person, newest first (capped). */
    auditPerson: (source: string, key: string) => `${prefix}:audit:${source}:person:${key}`,
  };
}
