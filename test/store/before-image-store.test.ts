import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Secret } from '../../src/config/secret.ts';
import { createBeforeImageStore, type BeforeImage } from '../../src/store/before-image-store.ts';
import { deriveKey, open, seal } from '../../src/store/sealed-box.ts';

const redis = new Redis(inject('redisUrl'));
const prefix = `{ks-test-${randomBytes(6).toString('hex')}}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const image: BeforeImage = {
  action: 'delete',
  key: 'E1',
  identity: {
    schema_id: 'employee',
    traits: { email: 'grace.hopper@example.com' },
    state: 'inactive',
    metadata_public: null,
    metadata_admin: { kratos_sync: { source: 'hr', key: 'E1' } },
    credentials: { password: { config: { hashed_password: '$2a$10$abcdefghijklmnopqrstuv' } } },
  },
};
const store = (key = 'a-long-enough-undo-key-for-tests-0123456789', keepForMs = 60_000) =>
  createBeforeImageStore({ redis, prefix, key: new Secret(key), keepForMs });

describe('sealed boxes (AES-256-GCM)', () => {
  const key = deriveKey('some secret of enough length 0123456789', 'test');
  it('open what was sealed, and refuse a wrong key, an altered box or a box moved elsewhere', () => {
    const box = seal(key, 'hello', 'run-1:id-1');
    expect(open(key, box, 'run-1:id-1').toString()).toBe('hello');
    expect(() => open(deriveKey('another secret 0123456789abcdef', 'test'), box, 'run-1:id-1')).toThrow();
    expect(() => open(key, box, 'run-1:id-2')).toThrow();
    const raw = Buffer.from(box.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => open(key, `v1.${raw.toString('base64')}`, 'run-1:id-1')).toThrow();
  });
});

describe('before-image store (real Redis)', () => {
  it('keeps images sealed: nothing of the image is readable in Redis', async () => {
    await store().put('run-a', [{ identityId: 'id-1', image }]);
    const raw = JSON.stringify(await redis.hgetall(`${prefix}:undo:run-a:images`));
    const wrapped = (await redis.get(`${prefix}:undo:run-a:key`)) ?? '';
    for (const text of [raw, wrapped]) {
      expect(text).not.toContain('grace.hopper');
      expect(text).not.toContain('$2a$10$');
      expect(text).not.toContain('employee');
    }
    expect((await store().read('run-a'))?.get('id-1')).toEqual(image);
  });

  it('images and their data key expire together after keepFor', async () => {
    await store(undefined, 5_000).put('run-b', [{ identityId: 'id-1', image }]);
    const [keyTtl, imagesTtl] = await Promise.all([
      redis.pttl(`${prefix}:undo:run-b:key`),
      redis.pttl(`${prefix}:undo:run-b:images`),
    ]);
    expect(keyTtl).toBeGreaterThan(0);
    expect(keyTtl).toBeLessThanOrEqual(5_000);
    expect(Math.abs(keyTtl - imagesTtl)).toBeLessThan(1_000);
  });

  it('two writers of one run share one data key; dropping it drops the run (other runs stay)', async () => {
    await Promise.all([
      store().put('run-c', [{ identityId: 'id-1', image }]),
      store().put('run-c', [{ identityId: 'id-2', image: { ...image, key: 'E2' } }]),
    ]);
    await store().put('run-d', [{ identityId: 'id-9', image }]);
    expect([...((await store().read('run-c')) ?? new Map()).keys()].sort()).toEqual(['id-1', 'id-2']);
    await store().drop('run-c');
    expect(await store().read('run-c')).toBeNull();
    expect((await store().read('run-d'))?.size).toBe(1);
  });

  it('a changed undo.key cannot open earlier images (and says so by throwing)', async () => {
    await store().put('run-e', [{ identityId: 'id-1', image }]);
    await expect(store('a-different-undo-key-for-tests-987654321').read('run-e')).rejects.toThrow();
  });

  it('without undo.key nothing is kept', async () => {
    const none = createBeforeImageStore({ redis, prefix, key: undefined, keepForMs: 60_000 });
    expect(none.enabled).toBe(false);
    await none.put('run-f', [{ identityId: 'id-1', image }]);
    expect(await redis.exists(`${prefix}:undo:run-f:images`)).toBe(0);
    expect(await none.read('run-f')).toBeNull();
  });
});
