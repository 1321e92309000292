import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  createDeliveryStore,
  inviteDeliveryId,
  managerNoticeDeliveryId,
  type DeliveryStore,
} from '../../src/store/delivery-store.ts';

const redis = new Redis(inject('redisUrl'));
let prefix = '';
let store: DeliveryStore;
beforeEach(() => {
  prefix = `{ks-test-${randomBytes(6).toString('hex')}}`;
  store = createDeliveryStore({ redis, prefix, now: () => new Date() });
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(() => redis.disconnect());

/** What the metric reported before counts were kept: every listed uncertain delivery, by source. */
async function countedFromRecords(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const entry of await store.listUncertain(10_000))
    counts.set(entry.source, (counts.get(entry.source) ?? 0) + 1);
  return counts;
}

async function expectCounts(expected: Record<string, number>) {
  const counts = await store.countUncertain();
  expect(Object.fromEntries(counts)).toEqual(expected);
  expect(counts).toEqual(await countedFromRecords());
}

/** A delivery handed to the channel, then found uncertain (or `to`). */
async function sendingThen(deliveryId: string, source: string, to: 'uncertain' | 'sent' = 'uncertain') {
  const token = randomBytes(4).toString('hex');
  const fields = {
    inviteId: deliveryId.split('.')[0]!,
    attempt: 1,
    source,
    key: `K-${deliveryId}`,
    identityId: `id-${deliveryId}`,
  };
  expect(await store.transition(deliveryId, { from: ['none'], to: 'sending', newToken: token, fields })).toBe(
    'none',
  );
  expect(await store.transition(deliveryId, { from: ['sending'], to, token })).toBe('sending');
  return token;
}

describe('the per-source count of uncertain invites', () => {
  it('stays what the records say through every move into and out of uncertain', async () => {
    await expectCounts({});
    const hr = ['inv-a', 'inv-b', 'inv-c'].map((i) => inviteDeliveryId(i, 1));
    const tokens = new Map<string, string>();
    for (const id of hr) tokens.set(id, await sendingThen(id, 'hr'));
    await sendingThen(inviteDeliveryId('inv-d', 1), 'crm');
    await sendingThen(inviteDeliveryId('inv-e', 1), 'crm', 'sent');
    // A manager's notice that may not have arrived is not indexed, so not counted.
    await sendingThen(managerNoticeDeliveryId('inv-a'), 'hr');
    await expectCounts({ hr: 3, crm: 1 });

    // Uncertain again (the record moves within the state): counted once.
    await store.transition(hr[0]!, { from: ['uncertain'], to: 'uncertain', token: tokens.get(hr[0]!)! });
    await expectCounts({ hr: 3, crm: 1 });
    // Out of uncertain by a transition; a move that is refused changes nothing.
    expect(
      await store.transition(hr[1]!, { from: ['uncertain'], to: 'cancelled', token: 'not-the-owner' }),
    ).toBeNull();
    await expectCounts({ hr: 3, crm: 1 });
    expect(
      await store.transition(hr[1]!, { from: ['uncertain'], to: 'cancelled', token: tokens.get(hr[1]!)! }),
    ).toBe('uncertain');
    await expectCounts({ hr: 2, crm: 1 });
    // Settled twice (the activation check and the re-issue both settle it): taken out once.
    await store.settleUncertain(hr[2]!);
    await store.settleUncertain(hr[2]!);
    await expectCounts({ hr: 1, crm: 1 });
    // A settled record that moves within uncertain is not indexed again.
    await store.transition(hr[2]!, { from: ['uncertain'], to: 'uncertain', token: tokens.get(hr[2]!)! });
    await expectCounts({ hr: 1, crm: 1 });
    await store.settleUncertain(inviteDeliveryId('inv-d', 1));
    await expectCounts({ hr: 1 });
    expect(await redis.hgetall(`${prefix}:deliveries:uncertain:count`)).toEqual({ hr: '1' });
  });

  it('drops a delivery whose record expired, as reading the records did', async () => {
    const shortLived = createDeliveryStore({ redis, prefix, now: () => new Date(), ttlSeconds: 1 });
    const lasting = inviteDeliveryId('inv-lasting', 1);
    await sendingThen(lasting, 'hr');
    store = shortLived;
    await sendingThen(inviteDeliveryId('inv-gone', 1), 'hr');
    await expectCounts({ hr: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(await redis.exists(`${prefix}:delivery:${inviteDeliveryId('inv-gone', 1)}`)).toBe(0);
    expect(Object.fromEntries(await store.countUncertain())).toEqual({ hr: 1 });
    expect((await store.listUncertain()).map((d) => d.deliveryId)).toEqual([lasting]);
  });

  it('counts once the deliveries indexed before counts were kept', async () => {
    // As a version without counts left them: the record and its index entry, nothing else.
    for (const [id, source] of [
      ['inv-old1.1', 'hr'],
      ['inv-old2.1', 'hr'],
      ['inv-old3.1', 'crm'],
    ] as const) {
      await redis.hset(`${prefix}:delivery:${id}`, {
        state: 'uncertain',
        token: 't',
        source,
        key: `K-${id}`,
        identityId: `i-${id}`,
        attempt: '1',
        inviteId: id.split('.')[0]!,
        claims: '1',
        updatedAt: new Date().toISOString(),
      });
      await redis.expire(`${prefix}:delivery:${id}`, 3_600);
      await redis.zadd(`${prefix}:deliveries:uncertain`, Date.now(), id);
    }
    // An entry whose record is gone already is not counted, and leaves the index.
    await redis.zadd(`${prefix}:deliveries:uncertain`, Date.now(), 'inv-expired.1');
    await expectCounts({ hr: 2, crm: 1 });
    await expectCounts({ hr: 2, crm: 1 });
    expect(await redis.zscore(`${prefix}:deliveries:uncertain`, 'inv-expired.1')).toBeNull();
    // From then on the counts move with the index.
    await store.settleUncertain('inv-old1.1');
    await sendingThen(inviteDeliveryId('inv-new', 1), 'crm');
    await expectCounts({ hr: 1, crm: 2 });
  });

  it('is read without reading any delivery record', async () => {
    for (let n = 0; n < 200; n++) await sendingThen(inviteDeliveryId(`inv-${n}`, 1), n % 2 ? 'hr' : 'crm');
    const monitor = await redis.duplicate().monitor();
    const touched: string[][] = [];
    let seenMarker = false;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(`${prefix}:marker`)) seenMarker = true;
      // A record's key (the bare key prefix goes to the counting script as an argument).
      const recordPrefix = `${prefix}:delivery:`;
      if (args.some((a) => a.startsWith(recordPrefix) && a !== recordPrefix)) touched.push(args);
    });
    try {
      // The monitor sees a command only once it was sent: a marker command after the read closes the window.
      expect(Object.fromEntries(await store.countUncertain())).toEqual({ hr: 100, crm: 100 });
      const marker = `${prefix}:marker`;
      await redis.get(marker);
      await expect.poll(() => seenMarker, { timeout: 10_000 }).toBe(true);
    } finally {
      monitor.disconnect();
    }
    expect(touched).toEqual([]);
  });
});
