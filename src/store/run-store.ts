import type { Redis } from 'ioredis';
import { scrubSecrets } from '../config/secret.ts';
import type { ActionSummary } from '../domain/action-summary.ts';
import type { RunReport } from '../domain/run-report.ts';
import type { PlanAction } from '../domain/plan.ts';
import { engineKeys } from './keys.ts';

/** The run outcomes a notification claim may exist for (removed with the run). */
const NOTIFIED_EVENTS = ['held', 'failed', 'partial'];

/** A removal held by the deletion guard, waiting for `approve`/`reject` (ids and reasons only). */
export type HeldAction = Extract<PlanAction, { kind: 'deactivate' | 'delete' }>;

export interface RunStoreOptions {
  /** Runs kept per source; older ones (report, plan, held list) are removed. @defaultValue 50 */
  keepRuns?: number;
  /**
   * Told of every report once it is stored (run notifications). Called synchronously and must return at
   * once; whatever it throws is ignored, so an observer can never fail or slow down a run.
   */
  onSaved?: (report: RunReport) => void;
}

/**
 * Runs in Redis: the report (one JSON string), the plan summary (a list, so the console can page through a
 * 100 000-person first run) and the held removals. Bounded: the last `keepRuns` runs of each source.
 */
export interface RunStore {
  save(report: RunReport): Promise<void>;
  get(runId: string): Promise<RunReport | null>;
  /** Newest first. */
  list(options?: { source?: string; limit?: number }): Promise<RunReport[]>;
  appendPlan(runId: string, entries: ActionSummary[]): Promise<void>;
  readPlan(
    runId: string,
    options?: { offset?: number; limit?: number },
  ): Promise<{ total: number; entries: ActionSummary[] }>;
  /**
   * Store a run's held removals (all of them: replaces what was stored) and note each person as waiting
   * for this run's decision, so single-person removals of them wait too (`heldRunOf`).
   */
  saveHeld(runId: string, source: string, actions: HeldAction[]): Promise<void>;
  readHeld(runId: string): Promise<HeldAction[]>;
  /** The undecided run whose held removals include this person, if any. */
  heldRunOf(source: string, key: string): Promise<string | null>;
  /** True once approve or reject has claimed the run. */
  isDecided(runId: string): Promise<boolean>;
  /** True for the first caller only: approve/reject decide a run once. */
  claimDecision(runId: string, decision: 'approved' | 'rejected'): Promise<boolean>;
  /** Remove the oldest runs of a source beyond `keepRuns` (a held run waiting for its decision stays). */
  prune(source: string): Promise<number>;
}

/**
 * Removes people (ARGV[2..]) from a source's held-people hash (KEYS[1]) whose entry still names the run
 * ARGV[1]: a person held again by a later run keeps that run's entry.
 */
const RELEASE_HELD_PEOPLE = `
local released = 0
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[1] then
    released = released + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return released`;

export function createRunStore(redis: Redis, prefix: string, options: RunStoreOptions = {}): RunStore {
  const keys = engineKeys(prefix);
  const keepRuns = options.keepRuns ?? 50;

  /** Forget that these people wait for `runId` (it is decided or gone), so the hash does not grow for ever. */
  async function releaseHeldPeople(runId: string, source: string, people: string[]): Promise<void> {
    for (let i = 0; i < people.length; i += 1000) {
      await redis.eval(RELEASE_HELD_PEOPLE, 1, keys.heldPeople(source), runId, ...people.slice(i, i + 1000));
    }
  }

  return {
    async save(report) {
      const score = Date.parse(report.startedAt);
      await redis
        .multi()
        .set(keys.run(report.id), scrubSecrets(JSON.stringify(report)))
        .zadd(keys.runsBySource(report.source), score, report.id)
        .zadd(keys.runsAll(), score, report.id)
        .exec();
      try {
        options.onSaved?.(report);
      } catch {
        // An observer's bug must not fail the run that was just stored.
      }
    },
    async get(runId) {
      const raw = await redis.get(keys.run(runId));
      return raw ? (JSON.parse(raw) as RunReport) : null;
    },
    async list({ source, limit = 20 } = {}) {
      const index = source ? keys.runsBySource(source) : keys.runsAll();
      const ids = await redis.zrevrange(index, 0, Math.max(0, limit - 1));
      if (ids.length === 0) return [];
      const raws = await redis.mget(ids.map((id) => keys.run(id)));
      return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as RunReport);
    },
    async appendPlan(runId, entries) {
      for (let i = 0; i < entries.length; i += 1000) {
        const chunk = entries.slice(i, i + 1000).map((entry) => scrubSecrets(JSON.stringify(entry)));
        await redis.rpush(keys.runPlan(runId), ...chunk);
      }
    },
    async readPlan(runId, { offset = 0, limit = 1000 } = {}) {
      const [total, raws] = await Promise.all([
        redis.llen(keys.runPlan(runId)),
        redis.lrange(keys.runPlan(runId), offset, offset + limit - 1),
      ]);
      return { total, entries: raws.map((raw) => JSON.parse(raw) as ActionSummary) };
    },
    async saveHeld(runId, source, actions) {
      const multi = redis.multi().set(keys.runHeld(runId), scrubSecrets(JSON.stringify(actions)));
      for (let i = 0; i < actions.length; i += 1000) {
        multi.hset(keys.heldPeople(source), ...actions.slice(i, i + 1000).flatMap((a) => [a.key, runId]));
      }
      await multi.exec();
    },
    async readHeld(runId) {
      const raw = await redis.get(keys.runHeld(runId));
      return raw ? (JSON.parse(raw) as HeldAction[]) : [];
    },
    async heldRunOf(source, key) {
      const runId = await redis.hget(keys.heldPeople(source), key);
      if (!runId) return null;
      // A decided or removed run holds no one. Its entries go when it is decided or pruned; one left behind
      // (a release that failed, or a run decided before entries were released) goes now.
      const [decided, stored] = await Promise.all([
        redis.exists(keys.runDecision(runId)),
        redis.exists(keys.run(runId)),
      ]);
      if (decided === 0 && stored === 1) return runId;
      await releaseHeldPeople(runId, source, [key]);
      return null;
    },
    async isDecided(runId) {
      return (await redis.exists(keys.runDecision(runId))) === 1;
    },
    async claimDecision(runId, decision) {
      if ((await redis.set(keys.runDecision(runId), decision, 'NX')) !== 'OK') return false;
      // Decided: its people no longer wait for it (heldRunOf already says so from the claim). A failure here
      // must not fail the decision just taken; an entry left behind is dropped when read or pruned.
      try {
        const [report, held] = await redis.mget(keys.run(runId), keys.runHeld(runId));
        const source = report ? (JSON.parse(report) as { source?: unknown }).source : undefined;
        if (typeof source === 'string') await releaseHeldPeople(runId, source, heldKeys(held ?? null));
      } catch {
        // See above: the decision stands.
      }
      return true;
    },
    async prune(source) {
      const older = await redis.zrange(keys.runsBySource(source), 0, String(-(keepRuns + 1)));
      if (older.length === 0) return 0;
      // A held run stays until it is decided, however many runs come after it: pruning it would drop the
      // removals an operator has not yet looked at, and the people waiting on it would stop waiting.
      const [raws, decided] = await Promise.all([
        redis.mget(older.map((id) => keys.run(id))),
        redis.mget(older.map((id) => keys.runDecision(id))),
      ]);
      const stale = older.filter((_, i) => !(isHeld(raws[i] ?? null) && decided[i] == null));
      if (stale.length === 0) return 0;
      const held = await redis.mget(stale.map((id) => keys.runHeld(id)));
      for (const [i, id] of stale.entries()) await releaseHeldPeople(id, source, heldKeys(held[i] ?? null));
      const multi = redis.multi();
      for (const id of stale) {
        multi.del(keys.run(id), keys.runPlan(id), keys.runHeld(id), keys.runDecision(id));
        for (const event of NOTIFIED_EVENTS) multi.del(keys.runNotified(id, event));
      }
      multi.zrem(keys.runsBySource(source), ...stale).zrem(keys.runsAll(), ...stale);
      await multi.exec();
      return stale.length;
    },
  };
}

/** The people a run's stored held removals name (none when they are gone or unreadable). */
function heldKeys(raw: string | null): string[] {
  if (raw === null) return [];
  try {
    return (JSON.parse(raw) as Array<{ key?: unknown }>).flatMap((action) =>
      typeof action.key === 'string' ? [action.key] : [],
    );
  } catch {
    return [];
  }
}

function isHeld(raw: string | null): boolean {
  if (raw === null) return false;
  try {
    return (JSON.parse(raw) as { status?: unknown }).status === 'held';
  } catch {
    return false;
  }
}
