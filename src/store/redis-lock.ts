import type { Cluster, Redis } from 'ioredis';

/**
 * The one Redis lock every exclusive step of kratos-sync is built on (a source's sync, a person's jobs, a
 * short read-modify-write): keys set to the holder's token with an expiry, so a holder that dies frees them
 * by itself. Only the token's owner renews or releases them (checked inside a Lua script), so a lock that
 * expired and was taken by someone else is never extended or deleted by its former holder.
 *
 * A lock may span many keys, taken all or none (a chunk locks every person it writes). Every key must share
 * one Redis Cluster hash slot (the configured prefix's hash tag does that). Keys go to Redis in slices of
 * `SLICE`, so a big set is taken by several scripts; a refused slice gives back those taken before it.
 */
export interface RedisLock {
  readonly keys: readonly string[];
  readonly token: string;
  /**
   * Take every key, or none. Refused when any is held under another token: the answer then carries that
   * token, read in the same script as the refusal (a holder named afterwards may have let go meanwhile).
   * Taking again under the same token renews.
   */
  take(): Promise<LockTake>;
  /** `take`, answering only whether it was taken. */
  tryTake(): Promise<boolean>;
  /** Extend every key still ours; true when all of them were. */
  renew(): Promise<boolean>;
  /** Delete the keys still ours. */
  release(): Promise<void>;
}

export type LockTake = { taken: true } | { taken: false; heldBy: string };
/** `value`: the hash field read when the key was taken (null when absent); see `takeEach`. */
export type LockTakeRead = { taken: true; value: string | null } | { taken: false; heldBy: string };

// A key already holding our own token counts as free: a holder with a fixed token may take its lock again.
// Answers {0, holder's token} when refused, {count} when taken.
const TAKE_ALL = `
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  if current and current ~= ARGV[1] then return {0, current} end
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
return {#KEYS}`;

// Several one-key locks of different holders, each on its own (not all or none): pair i is the lock KEYS[2i-1]
// with token ARGV[i+1] and the hash KEYS[2i] with field ARGV[n+i+1] (n pairs); ARGV[1] is the lifetime.
// Answers, per pair, {0, holder's token} when refused or {1, value} when taken (value false when absent).
// Pairs are decided in order, so a later pair for a key an earlier pair took is refused. Every check and
// read comes before the first write: a script that fails on the way (a read of a key that is not a hash)
// has taken nothing.
const TAKE_EACH_THEN_HGET = `
local n = #KEYS / 2
local out = {}
local holder = {}
for i = 1, n do
  local key, token = KEYS[2 * i - 1], ARGV[i + 1]
  local current = holder[key] or redis.call('GET', key)
  if current and current ~= token then
    out[i] = {0, current}
  else
    holder[key] = token
    out[i] = {1, redis.call('HGET', KEYS[2 * i], ARGV[n + i + 1])}
  end
end
for i = 1, n do
  if out[i][1] == 1 then redis.call('SET', KEYS[2 * i - 1], ARGV[i + 1], 'PX', ARGV[1]) end
end
return out`;

const RENEW_ALL = `
local renewed = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    renewed = renewed + 1
  end
end
return renewed`;

const RELEASE_ALL = `
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released`;

// RELEASE_ALL for keys of several holders: KEYS[i] is deleted when it still holds the token ARGV[i].
const RELEASE_PAIRS = `
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released`;

/** Keys per script call. */
const SLICE = 1_000;

export function redisLock(options: {
  redis: Redis | Cluster;
  keys: readonly string[];
  token: string;
  /** Lifetime of every key without renewal. */
  ttlMs: number;
}): RedisLock {
  const { redis, token, ttlMs } = options;
  const keys = [...new Set(options.keys)];

  /** Run a script over every slice; the keys it acted on in all. */
  async function eachSlice(script: string, ...args: Array<string | number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < keys.length; i += SLICE) {
      const slice = keys.slice(i, i + SLICE);
      total += Number(await redis.eval(script, slice.length, ...slice, token, ...args));
    }
    return total;
  }

  async function take(): Promise<LockTake> {
    for (let i = 0; i < keys.length; i += SLICE) {
      const slice = keys.slice(i, i + SLICE);
      const answer = (await redis.eval(TAKE_ALL, slice.length, ...slice, token, ttlMs)) as [number, string?];
      const heldBy = answer[1];
      if (heldBy !== undefined) {
        // A later slice was refused: give back the earlier ones so the whole set is none.
        if (i > 0) await eachSlice(RELEASE_ALL);
        return { taken: false, heldBy };
      }
    }
    return { taken: true };
  }

  return {
    keys,
    token,
    take,
    async tryTake() {
      return (await take()).taken;
    },
    async renew() {
      return (await eachSlice(RENEW_ALL, ttlMs)) === keys.length;
    },
    async release() {
      await eachSlice(RELEASE_ALL);
    },
  };
}

/** One lock of one key to take with `takeEach`, and the hash field to read once it is taken. */
export interface TakeAndReadRequest {
  key: string;
  token: string;
  hash: string;
  field: string;
}

/**
 * Take many one-key locks of different holders in one script, and read one hash field for each lock taken
 * (a `person.sync` job's marker-index entry), so the first read under the lock costs no round trip of its
 * own. Each lock is taken or refused on its own (one holder's refusal does not refuse the others), in the
 * order given; a refusal names the holder's token, read in the same script. Taking again under the same
 * token renews. Many jobs starting together then cost one round trip, not one each. Every key and hash must
 * share one Redis Cluster hash slot; at most `SLICE` requests per call (the caller batches).
 */
export async function takeEach(
  redis: Redis | Cluster,
  ttlMs: number,
  requests: readonly TakeAndReadRequest[],
): Promise<LockTakeRead[]> {
  if (requests.length === 0) return [];
  if (requests.length > SLICE)
    throw new Error(`takeEach: at most ${SLICE} locks per call, got ${requests.length}`);
  const keys: string[] = [];
  for (const request of requests) keys.push(request.key, request.hash);
  const answers = (await redis.eval(
    TAKE_EACH_THEN_HGET,
    keys.length,
    ...keys,
    ttlMs,
    ...requests.map((request) => request.token),
    ...requests.map((request) => request.field),
  )) as Array<[number, (string | null)?]>;
  return answers.map((answer) =>
    answer[0] === 0 ? { taken: false, heldBy: String(answer[1]) } : { taken: true, value: answer[1] ?? null },
  );
}

/**
 * Release many locks with few commands: the releases asked for within one turn of the event loop go to Redis
 * as one script (each key deleted only while it still holds its own lock's token, as `release` does). Many
 * jobs that finish together then cost one socket write, not one each. Each promise settles with the script's
 * answer, so a caller that awaits its release knows the keys are free, as with `release`. `flush` sends the
 * waiting releases now: call it before taking a lock on the same connection, so a take never overtakes a
 * release asked for before it (Redis runs one connection's commands in order).
 */
export interface LockReleaser {
  release(lock: RedisLock): Promise<void>;
  flush(): void;
}

export function releaseTogether(redis: Redis | Cluster): LockReleaser {
  let waiting: Array<{ lock: RedisLock; resolve: () => void; reject: (err: unknown) => void }> = [];

  async function send(batch: readonly RedisLock[]): Promise<void> {
    const keys: string[] = [];
    const tokens: string[] = [];
    for (const lock of batch) {
      for (const key of lock.keys) {
        keys.push(key);
        tokens.push(lock.token);
      }
    }
    // Every slice is queued before the first await, so a take flushed after this batch cannot overtake
    // a later slice.
    const sent: Array<Promise<unknown>> = [];
    for (let i = 0; i < keys.length; i += SLICE) {
      const slice = keys.slice(i, i + SLICE);
      sent.push(redis.eval(RELEASE_PAIRS, slice.length, ...slice, ...tokens.slice(i, i + SLICE)));
    }
    await Promise.all(sent);
  }

  function flush(): void {
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    // send() calls redis.eval for every slice before its first await: the scripts are queued on the
    // connection right here.
    send(batch.map((entry) => entry.lock)).then(
      () => batch.forEach((entry) => entry.resolve()),
      (err: unknown) => batch.forEach((entry) => entry.reject(err)),
    );
  }

  return {
    release: (lock) =>
      new Promise<void>((resolve, reject) => {
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ lock, resolve, reject });
      }),
    flush,
  };
}

/**
 * Keep a taken lock alive while its holder works: renew it every third of its lifetime. When a renewal
 * finds a key gone or taken, `lost` aborts with `lostReason()` so the holder stops writing; a renewal that
 * fails (Redis unreachable) is reported and tried again at the next tick. `stop` ends the renewals.
 */
export function keepRenewed(
  lock: RedisLock,
  options: {
    intervalMs: number;
    lostReason: () => unknown;
    onLost: () => void;
    onRenewError: (err: unknown) => void;
  },
): { readonly lost: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const timer = setInterval(() => {
    lock.renew().then(
      (renewed) => {
        if (renewed || controller.signal.aborted) return;
        options.onLost();
        controller.abort(options.lostReason());
      },
      (err: unknown) => options.onRenewError(err),
    );
  }, options.intervalMs);
  timer.unref();
  return { lost: controller.signal, stop: () => clearInterval(timer) };
}
