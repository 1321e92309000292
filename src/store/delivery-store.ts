import type { Cluster, Redis } from 'ioredis';
import {
  READ_UNCERTAIN_COUNTS,
  SETTLE_UNCERTAIN,
  UNCOUNT_LUA,
  uncertainCountKeys,
} from './uncertain-counts.ts';

/**
 * Where each invite delivery stands, so a link is delivered once however often the job runs.
 *
 *   (none) ──claim──▶ issuing ──▶ issued ──▶ sending ──▶ sent
 *                        ▲           │          ├──▶ send-failed (the channel certainly did not take it) ─┐
 *                        └───────────┴──────────┼─────────── claim again: a NEW link is issued ◀──────────┘
 *                                               └──▶ uncertain (it may have gone out: never sent again)
 *   any state before `sending` ──▶ cancelled (the person left or the identity is gone before delivery)
 *
 * The link itself is never stored — only when it was issued and when it expires — so a retry that finds
 * `issuing`/`issued` (a crash before the hand-over to the channel) issues a new link. Every transition is a
 * compare-and-set on the state and on the token of the execution that claimed the record, so a job that
 * lost its lock cannot move a record another execution has taken over.
 *
 * One record per delivery: `<inviteId>.<attempt>` for an invite, `<inviteId>.manager` for the manager's
 * notice. Key: `<prefix>:delivery:<deliveryId>` (a hash), expiring after `ttlSeconds`.
 *
 * `uncertain` deliveries are also indexed (`<prefix>:deliveries:uncertain`, a sorted set by the time they
 * became uncertain, kept in the same script as the state change) until they are settled: the person
 * activated, a re-issue went out, or there is no one left to reach. Reports, the console and the
 * `kratos_sync_invites_uncertain` metric read that index (the metric through per-source counts kept with it,
 * see uncertain-counts.ts), so an invite that may have reached no one is never silent.
 */
export type DeliveryState =
  'issuing' | 'issued' | 'sending' | 'sent' | 'send-failed' | 'uncertain' | 'cancelled';

export interface DeliveryRecord {
  state: DeliveryState;
  /** Which execution owns the record (random, per job run). */
  token: string;
  inviteId: string;
  attempt: number;
  source: string;
  key: string;
  identityId: string;
  channel?: string;
  /** Executions that claimed the record (issued a link or tried to). */
  claims: number;
  issuedAt?: string;
  expiresAt?: string;
  sendingAt?: string;
  sentAt?: string;
  messageId?: string;
  /** Error code of the last failed hand-over (never a message that could carry content). */
  lastError?: string;
  /** Why it was cancelled. */
  cancelReason?: string;
  updatedAt: string;
}

/** States from which an execution may (re)claim the record and issue a new link. */
export const CLAIMABLE: ReadonlyArray<DeliveryState | 'none'> = ['none', 'issuing', 'issued', 'send-failed'];

type Fields = Partial<Omit<DeliveryRecord, 'state' | 'token' | 'claims'>>;

/** An invite that may or may not have reached its person (identifiers only). */
export interface UncertainDelivery {
  deliveryId: string;
  source: string;
  key: string;
  identityId: string;
  attempt: number;
  /** When it became uncertain (ISO). */
  since: string;
}

export interface DeliveryStore {
  get(deliveryId: string): Promise<DeliveryRecord | null>;
  /** Unsettled uncertain deliveries, oldest first (at most `limit`, default 1000). */
  listUncertain(limit?: number): Promise<UncertainDelivery[]>;
  /** Unsettled uncertain deliveries per source. */
  countUncertain(): Promise<Map<string, number>>;
  /** Take a delivery off the uncertain index: what it may have failed to do is done or moot. */
  settleUncertain(deliveryId: string): Promise<void>;
  /**
   * Move the record to `to` when it is in one of `from` (`none` = no record yet) and, when `token` is given,
   * owned by that token. `newToken` hands ownership to a new execution. Returns the state found when the move
   * happened, or null when it did not (someone else moved it first).
   */
  transition(
    deliveryId: string,
    move: {
      from: ReadonlyArray<DeliveryState | 'none'>;
      to: DeliveryState;
      token?: string;
      newToken?: string;
      fields?: Fields;
    },
  ): Promise<DeliveryState | 'none' | null>;
}

// KEYS: the record, the uncertain index, then the index's counts (uncertain-counts.ts). The record's fields
// are written before the index is touched: a delivery is counted under the source it has after the move.
const TRANSITION = `${UNCOUNT_LUA(3)}
local current = redis.call('HGET', KEYS[1], 'state') or 'none'
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == current then allowed = true end end
if not allowed then return false end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then return false end
redis.call('HSET', KEYS[1], 'state', ARGV[3])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'token', ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'claims', 1)
end
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local id = ARGV[6]
if id == '' then
elseif ARGV[3] == 'uncertain' then
  if current ~= 'uncertain' and redis.call('ZADD', KEYS[2], ARGV[7], id) == 1 then
    local source = redis.call('HGET', KEYS[1], 'source')
    if source then
      redis.call('HSET', KEYS[3], id, source)
      redis.call('HINCRBY', KEYS[4], source, 1)
    end
  end
elseif current == 'uncertain' then
  if redis.call('ZREM', KEYS[2], id) == 1 then uncount(id) end
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
if id ~= '' and redis.call('ZSCORE', KEYS[2], id) then
  redis.call('ZADD', KEYS[5], nowMs() + tonumber(ARGV[5]) * 1000, id)
end
return current`;

export interface DeliveryStoreOptions {
  redis: Redis | Cluster;
  prefix: string;
  now: () => Date;
  /** @defaultValue 90 days: long enough for a start date months ahead plus the re-issue check. */
  ttlSeconds?: number;
}

export const inviteDeliveryId = (inviteId: string, attempt: number) => `${inviteId}.${attempt}`;
export const managerNoticeDeliveryId = (inviteId: string) => `${inviteId}.manager`;
const isManagerNotice = (deliveryId: string) => deliveryId.endsWith('.manager');

export function createDeliveryStore(options: DeliveryStoreOptions): DeliveryStore {
  const { redis, prefix, now } = options;
  const ttl = options.ttlSeconds ?? 90 * 86_400;
  const keyOf = (deliveryId: string) => `${prefix}:delivery:${deliveryId}`;
  const uncertainKey = `${prefix}:deliveries:uncertain`;
  const countKeys = uncertainCountKeys(uncertainKey);
  const settle = async (deliveryIds: string[]) => {
    await redis.eval(SETTLE_UNCERTAIN, 1 + countKeys.length, uncertainKey, ...countKeys, ...deliveryIds);
  };

  async function listUncertain(limit = 1000): Promise<UncertainDelivery[]> {
    const entries = await redis.zrange(uncertainKey, '0', String(limit - 1), 'WITHSCORES');
    const ids = entries.filter((_, i) => i % 2 === 0);
    const records = await Promise.all(
      ids.map((id) => redis.hmget(keyOf(id), 'source', 'key', 'identityId', 'attempt')),
    );
    const found: UncertainDelivery[] = [];
    const expired: string[] = [];
    ids.forEach((deliveryId, i) => {
      const [source, key, identityId, attempt] = records[i]!;
      // The record expired (after `ttlSeconds`): nothing left to report or to re-issue.
      if (!source || !key || !identityId) expired.push(deliveryId);
      else {
        const since = new Date(Number(entries[2 * i + 1])).toISOString();
        found.push({ deliveryId, source, key, identityId, attempt: Number(attempt), since });
      }
    });
    if (expired.length > 0) await settle(expired);
    return found;
  }

  return {
    async get(deliveryId) {
      const hash = await redis.hgetall(keyOf(deliveryId));
      return hash.state ? parseRecord(hash) : null;
    },
    async transition(deliveryId, move) {
      const at = now();
      const fields: Record<string, string> = { updatedAt: at.toISOString() };
      for (const [name, value] of Object.entries(move.fields ?? {})) {
        if (value !== undefined) fields[name] = String(value);
      }
      const args = [move.from.join(','), move.token ?? '', move.to, move.newToken ?? '', String(ttl)];
      // Only invites to the person are indexed: a manager's notice that may not have arrived needs no rescue.
      args.push(isManagerNotice(deliveryId) ? '' : deliveryId, String(at.getTime()));
      for (const [name, value] of Object.entries(fields)) args.push(name, value);
      const keys = [keyOf(deliveryId), uncertainKey, ...countKeys];
      const found = (await redis.eval(TRANSITION, keys.length, ...keys, ...args)) as string | null;
      return (found ?? null) as DeliveryState | 'none' | null;
    },
    listUncertain,
    async countUncertain() {
      // One small hash, kept with the index (uncertain-counts.ts), instead of one read per indexed record.
      const flat = (await redis.eval(
        READ_UNCERTAIN_COUNTS,
        1 + countKeys.length,
        uncertainKey,
        ...countKeys,
        keyOf(''),
      )) as string[];
      const counts = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) counts.set(flat[i]!, Number(flat[i + 1]));
      return counts;
    },
    async settleUncertain(deliveryId) {
      await settle([deliveryId]);
    },
  };
}

function parseRecord(hash: Record<string, string>): DeliveryRecord {
  const record = { ...hash } as unknown as DeliveryRecord;
  record.attempt = Number(hash.attempt);
  record.claims = Number(hash.claims ?? 0);
  return record;
}
