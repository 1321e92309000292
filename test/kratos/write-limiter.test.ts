import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../../src/kratos/keyed-mutex.ts';
import { Semaphore } from '../../src/kratos/semaphore.ts';
import { createWriteLimiter, type WriteLimitKind } from '../../src/kratos/write-limiter.ts';

/** Runs `count` holders through `enter`, each holding for a few ticks; returns the peak holders at once. */
async function peakConcurrency(enter: () => Promise<() => void>, count: number): Promise<number> {
  let inside = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const release = await enter();
      inside++;
      peak = Math.max(peak, inside);
      await new Promise((resolve) => setImmediate(resolve));
      inside--;
      release();
    }),
  );
  return peak;
}

describe('Semaphore', () => {
  it('never lets more than `permits` in, and lets everyone through', async () => {
    const semaphore = new Semaphore(3);
    expect(await peakConcurrency(() => semaphore.acquire(), 50)).toBe(3);
    expect(semaphore.waiting).toBe(0);
  });

  it('hands permits over in arrival order and ignores a second release', async () => {
    const semaphore = new Semaphore(1);
    const first = await semaphore.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => semaphore.acquire().then((release) => (order.push(n), release())));
    first();
    first();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
  });

  it('survives a long queue (the head index compacts)', async () => {
    const semaphore = new Semaphore(2);
    expect(await peakConcurrency(() => semaphore.acquire(), 5000)).toBe(2);
  });
});

describe('KeyedMutex', () => {
  it('serialises one key and leaves other keys free, then forgets idle keys', async () => {
    const mutex = new KeyedMutex();
    const [a, b] = await Promise.all([
      peakConcurrency(() => mutex.lock('a'), 20),
      peakConcurrency(() => mutex.lock('b'), 20),
    ]);
    expect(a).toBe(1);
    expect(b).toBe(1);
    expect(mutex.size).toBe(0);
  });
});

describe('write limiter', () => {
  const enter = (limiter: ReturnType<typeof createWriteLimiter>, kind: WriteLimitKind) => () =>
    limiter.enter(kind);

  it('keeps writes within `concurrency`, reads unlimited', async () => {
    const limiter = createWriteLimiter({ concurrency: 4, oryNetwork: false });
    expect(await peakConcurrency(enter(limiter, { kind: 'write' }), 40)).toBe(4);
    expect(await peakConcurrency(enter(limiter, { kind: 'collection' }), 40)).toBe(4);
    expect(await peakConcurrency(enter(limiter, { kind: 'read' }), 40)).toBe(40);
  });

  it('on Ory Network allows one collection write (create/batch) at a time', async () => {
    const limiter = createWriteLimiter({ concurrency: 8, oryNetwork: true });
    expect(await peakConcurrency(enter(limiter, { kind: 'collection' }), 30)).toBe(1);
  });

  it('allows one write per identity at a time, in both modes', async () => {
    for (const oryNetwork of [false, true]) {
      const limiter = createWriteLimiter({ concurrency: 8, oryNetwork });
      expect(await peakConcurrency(enter(limiter, { kind: 'identity', id: 'x' }), 20)).toBe(1);
      let n = 0;
      expect(await peakConcurrency(() => limiter.enter({ kind: 'identity', id: String(n++ % 5) }), 40)).toBe(
        5,
      );
    }
  });
});
