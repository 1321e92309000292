import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import type { OffboardingReceipt } from '../../src/domain/offboarding-receipt.ts';
import { createReceiptStore } from '../../src/store/receipt-store.ts';

function receipt(key: string): OffboardingReceipt {
  return {
    source: 'hr',
    key,
    identityId: randomUUID(),
    reason: 'left',
    leftAt: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    deactivatedAt: '2026-01-01T00:00:00.000Z',
    sessionsRevoked: 0,
    revokedAt: '2026-01-01T00:00:00.000Z',
    verified: true,
    verifiedAt: '2026-01-01T00:00:00.000Z',
    deletedAt: null,
    terminationToRevocationMs: null,
    outcome: 'offboarded',
  };
}

describe('receipt store', () => {
  const redis = new Redis(inject('redisUrl'));

  it('keeps the newest receipts up to its bound, findable by key and by email (stored hashed)', async () => {
    const prefix = `{t-${randomUUID().slice(0, 8)}}`;
    const store = createReceiptStore({ redis, prefix, maxEntries: 3 });
    for (const key of ['A', 'B', 'C', 'D']) {
      await store.put(receipt(key), { emails: [`${key.toLowerCase()}@example.com`] });
      await new Promise((resolve) => setTimeout(resolve, 2)); // distinct index scores
    }
    expect(await store.get('hr', 'A')).toBeNull();
    expect((await store.recent()).map((r) => r.key)).toEqual(['D', 'C', 'B']);
    expect((await store.findByEmail(' B@Example.com ')).map((r) => r.key)).toEqual(['B']);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.join(' ')).not.toContain('example.com');
    expect(await redis.ttl(`${prefix}:receipt:offboard:hr:B`)).toBeGreaterThan(300 * 86_400);
    redis.disconnect();
  });
});
