import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { admitEventRemoval } from '../../src/sync/event-guard.ts';

describe('admitEventRemoval (the rolling guard of single-person removals)', () => {
  const clients = [new Redis(inject('redisUrl')), new Redis(inject('redisUrl'))];
  afterAll(() => clients.forEach((c) => c.disconnect()));
  const prefix = () => `{ks-test-${randomBytes(6).toString('hex')}}`;
  const limits = { maxEventRemovals: 20, eventWindow: 3_600_000 };

  it('admits exactly the limit when many workers ask at once (atomic, shared through Redis)', async () => {
    const p = prefix();
    const now = new Date('2026-11-27T08:00:00Z');
    const verdicts = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        admitEventRemoval(clients[i % 2]!, { prefix: p, source: 'hr', key: `E${i}`, now, ...limits }),
      ),
    );
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(20);
    expect(verdicts.find((v) => !v.admitted)).toMatchObject({ recent: 20, limit: 20 });
  });

  it('counts one person once per window (a retried job is not a second removal)', async () => {
    const p = prefix();
    const now = new Date('2026-11-27T08:00:00Z');
    const ask = (key: string, at = now) =>
      admitEventRemoval(clients[0]!, {
        prefix: p,
        source: 'hr',
        key,
        now: at,
        ...limits,
        maxEventRemovals: 1,
      });
    expect((await ask('E1')).admitted).toBe(true);
    expect((await ask('E1')).admitted).toBe(true);
    expect((await ask('E2')).admitted).toBe(false);
    // An hour later the first removal has left the window.
    expect((await ask('E2', new Date(now.getTime() + 3_600_001))).admitted).toBe(true);
  });

  it('keeps sources apart, and holds everything with maxEventRemovals 0', async () => {
    const p = prefix();
    const now = new Date('2026-11-27T08:00:00Z');
    const one = { ...limits, maxEventRemovals: 1 };
    expect(
      (await admitEventRemoval(clients[0]!, { prefix: p, source: 'hr', key: 'E1', now, ...one })).admitted,
    ).toBe(true);
    expect(
      (await admitEventRemoval(clients[0]!, { prefix: p, source: 'crm', key: 'E1', now, ...one })).admitted,
    ).toBe(true);
    const none = { ...limits, maxEventRemovals: 0 };
    expect(
      (await admitEventRemoval(clients[0]!, { prefix: p, source: 'x', key: 'E1', now, ...none })).admitted,
    ).toBe(false);
  });
});
