import { describe, expect, it } from 'vitest';
import { createRateLimitPacer } from '../../src/kratos/rate-limit-pacer.ts';

const headers = (remaining: number, resetSeconds: number) => ({
  'x-ratelimit-remaining': String(remaining),
  'x-ratelimit-reset': String(resetSeconds),
});

// A pacer that waits sleeps until the reset plus 20–100 ms, so "no wait" is told apart from a wait with room
// to spare for a loaded machine (a stalled event loop can take tens of milliseconds on its own).
const NO_WAIT_MS = 200;

async function elapsed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describe('the rate-limit pacer (x-ratelimit-remaining / x-ratelimit-reset)', () => {
  it('never waits when the server sends no rate-limit headers (OSS Kratos)', async () => {
    const pacer = createRateLimitPacer({ now: Date.now });
    const took = await elapsed(async () => {
      for (let i = 0; i < 100; i++) {
        await pacer.beforeSend('write');
        pacer.afterAnswer('write', {});
      }
    });
    expect(took).toBeLessThan(1_000); // one wait each would be 100 × 20 ms at least
  });

  it('waits for the reset once an answer says the bucket is spent, then goes again', async () => {
    const pacer = createRateLimitPacer({ now: Date.now, random: () => 0 });
    await pacer.beforeSend('write');
    pacer.afterAnswer('write', headers(0, 0.3));
    const took = await elapsed(() => pacer.beforeSend('write'));
    expect(took).toBeGreaterThanOrEqual(300);
    pacer.afterAnswer('write', {});
    expect(await elapsed(() => pacer.beforeSend('write'))).toBeLessThan(NO_WAIT_MS);
  });

  it('counts requests still in flight against what is left, and paces reads apart from writes', async () => {
    const pacer = createRateLimitPacer({ now: Date.now, random: () => 0 });
    await pacer.beforeSend('write');
    pacer.afterAnswer('write', headers(2, 0.3));
    await pacer.beforeSend('write');
    await pacer.beforeSend('write');
    // Two sent, none answered: the two left are taken; reads are another bucket.
    expect(await elapsed(() => pacer.beforeSend('read'))).toBeLessThan(NO_WAIT_MS);
    expect(await elapsed(() => pacer.beforeSend('write'))).toBeGreaterThanOrEqual(250);
  });

  it('treats a 429 as a spent bucket until its reset', async () => {
    const pacer = createRateLimitPacer({ now: Date.now, random: () => 0 });
    await pacer.beforeSend('write');
    pacer.spent('write', 250);
    pacer.afterAnswer('write', undefined);
    expect(await elapsed(() => pacer.beforeSend('write'))).toBeGreaterThanOrEqual(250);
  });
});
