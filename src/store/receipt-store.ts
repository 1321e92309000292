import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { scrubSecrets } from '../config/secret.ts';
import type { OffboardingReceipt } from '../domain/offboarding-receipt.ts';

/**
 * Offboarding receipts in Redis: the latest receipt per person, findable by person key or by email, bounded
 * by count and age so the store cannot grow without end.
 *
 * Keys (all under the configured hash-tagged prefix, so they share one cluster slot):
 *   <p>:receipt:offboard:<source>:<key>        the receipt as JSON (expires after `ttlSeconds`)
 *   <p>:receipts:offboard                      sorted set of `<source>:<key>` by time (trimmed to `maxEntries`)
 *   <p>:receipts:offboard:email:<sha256>       set of `<source>:<key>`; the email is hashed, never stored
 * Receipts hold identifiers and timestamps only — no secrets.
 */
export interface ReceiptStore {
  /** Store (replace) a person's receipt; `emails` only feed the hashed email index. */
  put(receipt: OffboardingReceipt, options?: { emails?: string[] }): Promise<void>;
  get(source: string, key: string): Promise<OffboardingReceipt | null>;
  findByEmail(email: string): Promise<OffboardingReceipt[]>;
  /** Newest first. */
  recent(limit?: number): Promise<OffboardingReceipt[]>;
}

export interface ReceiptStoreOptions {
  redis: Redis | Cluster;
  /** `config.redis.prefix`, e.g. `{kratos-sync}`. */
  prefix: string;
  /** @defaultValue 100_000 receipts */
  maxEntries?: number;
  /** @defaultValue 400 days (a year of audits and some slack) */
  ttlSeconds?: number;
}

export function createReceiptStore(options: ReceiptStoreOptions): ReceiptStore {
  const { redis, prefix } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  const ttl = options.ttlSeconds ?? 400 * 86_400;
  const indexKey = `${prefix}:receipts:offboard`;
  const member = (source: string, key: string) => `${source}:${encodeURIComponent(key)}`;
  const receiptKey = (m: string) => `${prefix}:receipt:offboard:${m}`;
  const emailKey = (email: string) =>
    `${prefix}:receipts:offboard:email:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

  async function load(members: string[]): Promise<OffboardingReceipt[]> {
    if (members.length === 0) return [];
    const values = await redis.mget(members.map(receiptKey));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as OffboardingReceipt);
  }

  return {
    async put(receipt, putOptions = {}) {
      const m = member(receipt.source, receipt.key);
      const tx = redis
        .multi()
        .set(receiptKey(m), scrubSecrets(JSON.stringify(receipt)), 'EX', ttl)
        .zadd(indexKey, Date.now(), m);
      for (const email of new Set(putOptions.emails ?? []))
        tx.sadd(emailKey(email), m).expire(emailKey(email), ttl);
      await tx.exec();
      await trim();
    },
    async get(source, key) {
      return (await load([member(source, key)]))[0] ?? null;
    },
    async findByEmail(email) {
      return load(await redis.smembers(emailKey(email)));
    },
    async recent(limit = 100) {
      return load(await redis.zrevrange(indexKey, 0, limit - 1));
    },
  };

  /** Drop the oldest receipts beyond `maxEntries` (their email-index entries expire on their own). */
  async function trim(): Promise<void> {
    const excess = (await redis.zcard(indexKey)) - maxEntries;
    if (excess <= 0) return;
    const oldest = await redis.zrange(indexKey, 0, String(excess - 1));
    if (oldest.length === 0) return;
    await redis
      .multi()
      .zrem(indexKey, ...oldest)
      .del(...oldest.map(receiptKey))
      .exec();
  }
}
