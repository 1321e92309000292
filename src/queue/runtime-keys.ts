/**
 * Redis keys of the queue runtime (the engine's are in src/store/keys.ts). All start with the hash-tagged
 * prefix, so on a Redis Cluster they share the queue's slot and multi-key scripts work.
 */
export function runtimeKeys(prefix: string) {
  return {
    /** Per-person lock: at most one job works on one person at a time (person-locks.ts). */
    personLock: (source: string, key: string) => `${prefix}:lock:person:${source}:${key}`,
    /** A webhook signature already accepted (hashed), kept for the replay window. */
    webhookSeen: (source: string, digest: string) => `${prefix}:webhook:seen:${source}:${digest}`,
    /** The last schedule tick (ISO) enqueued for a source, for catching up after downtime. */
    lastTick: (source: string) => `${prefix}:schedule:${source}:last-tick`,
    /**
     * Actions of one apply chunk of a split full sync, per plan step (a plan step that ran twice, e.g. after
     * a stalled check, writes chunks of its own); removed when the run finishes.
     */
    runChunk: (runId: string, plan: string, chunk: number) => `${prefix}:run:${runId}:apply:${plan}:${chunk}`,
    /** The plan a split run settled on (the first one written): its id, chunk count and report so far. */
    runApplyPlan: (runId: string) => `${prefix}:run:${runId}:apply`,
    /** Every plan id written for a run (so every plan's chunk keys can be removed). */
    runApplyPlans: (runId: string) => `${prefix}:run:${runId}:apply-plans`,
    /** Hash of per-source figures for /metrics (last success, quarantined, managed). */
    sourceStats: (source: string) => `${prefix}:stats:source:${source}`,
  };
}

/** The one BullMQ queue every job type shares (jobs are told apart by name). */
export const QUEUE_NAME = 'jobs';
