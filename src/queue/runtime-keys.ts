/**
 * Redis keys of the queue runtime (the engine's are in src/store/keys.ts). All start with the hash-tagged
 * prefix, so on a Redis Cluster they share the queue's slot and multi-key scripts work.
 */
export function runtimeKeys(prefix: string) {
  return {
    /** Per-person lock: at most one job works on one person at a time (DESIGN.md invariant 7). */
    personLock: (source: string, key: string) => `${prefix}:lock:person:${source}:${key}`,
    /** A webhook signature already accepted (hashed), kept for the replay window. */
    webhookSeen: (source: string, digest: string) => `${prefix}:webhook:seen:${source}:${digest}`,
    /** The last schedule tick (ISO) enqueued for a source, for catching up after downtime. */
    lastTick: (source: string) => `${prefix}:schedule:${source}:last-tick`,
    /** Actions of one apply chunk of a split full sync; removed when the chunk is applied. */
    runChunk: (runId: string, chunk: number) => `${prefix}:run:${runId}:chunk:${chunk}`,
    /** Hash of per-source figures for /metrics (last success, quarantined, managed). */
    sourceStats: (source: string) => `${prefix}:stats:source:${source}`,
    /** Set when Kratos is known down: the process that saw it probes readiness while this lives. */
    kratosDown: () => `${prefix}:kratos:down`,
  };
}
export type RuntimeKeys = ReturnType<typeof runtimeKeys>;

/** The one BullMQ queue every job type shares (jobs are told apart by name). */
export const QUEUE_NAME = 'jobs';
