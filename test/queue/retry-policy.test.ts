import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/errors/catalogue.ts';
import { KratosError } from '../../src/kratos/errors.ts';
import { createBackoffStrategy, retryDelayMs } from '../../src/queue/backoff.ts';
import { decideFailure } from '../../src/queue/failure-policy.ts';
import { SourceError } from '../../src/sources/types.ts';

describe('retryDelayMs (exponential with equal jitter)', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('stays between half and all of the nominal delay, which doubles up to the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const nominal = Math.min(60_000, 1_000 * 2 ** (attempt - 1));
          const delay = retryDelayMs(policy, attempt, { random: () => r });
          expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal / 2));
          expect(delay).toBeLessThanOrEqual(nominal);
        },
      ),
    );
  });

  it('spreads jobs that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(policy, 4)));
    expect(delays.size).toBeGreaterThan(25);
  });

  it('never comes back before the server asked (Retry-After is a floor)', () => {
    expect(retryDelayMs(policy, 1, { random: () => 0, retryAfterMs: 7_500 })).toBe(7_500);
    expect(retryDelayMs(policy, 8, { random: () => 1, retryAfterMs: 7_500 })).toBe(60_000);
  });

  it('is what the worker strategy returns for a job type, with the error’s retryAfterMs', () => {
    const strategy = createBackoffStrategy(
      (name) => (name === 'person.sync' ? { baseMs: 100, maxMs: 400 } : undefined),
      () => 0,
    );
    const err = Object.assign(new Error('x'), { retryAfterMs: 900 });
    expect(strategy(3, 'kratos-sync', new Error('x'), { name: 'person.sync' } as never)).toBe(200);
    expect(strategy(3, 'kratos-sync', err, { name: 'person.sync' } as never)).toBe(900);
  });
});

describe('decideFailure (one table for every error class)', () => {
  const kratos = (
    status: number | undefined,
    extra: Partial<{ retryAfterMs: number; network: boolean }> = {},
  ) =>
    new KratosError({
      status,
      operation: 'createIdentity',
      message: `Kratos ${status ?? 'no answer'}`,
      ...extra,
    });

  it.each([
    ['no answer from Kratos', kratos(undefined, { network: true }), 'kratos-down'],
    ['Kratos 502', kratos(502), 'kratos-down'],
    ['Kratos 503', kratos(503), 'kratos-down'],
    ['Kratos 504', kratos(504), 'kratos-down'],
    ['Kratos 429', kratos(429, { retryAfterMs: 2_000 }), 'rate-limited'],
    ['Kratos 400 (schema)', kratos(400), 'fail'],
    ['Kratos 500', kratos(500), 'fail'],
    ['Kratos 409', kratos(409), 'fail'],
    [
      'an unavailable code reported by the engine',
      new SyncError('SYNC_ERR_KRATOS_UNAVAILABLE', 'down'),
      'kratos-down',
    ],
    [
      'a rate-limit code reported by the engine',
      new SyncError('SYNC_ERR_KRATOS_RATE_LIMITED', '429'),
      'rate-limited',
    ],
    ['a source outage', new SyncError('SYNC_ERR_SOURCE_UNAVAILABLE', 'HR API 502'), 'retry'],
    ['a locked source', new SyncError('SYNC_ERR_RUN_LOCKED', 'locked'), 'retry'],
    ['an invalid record', new SyncError('SYNC_ERR_RECORD_INVALID', 'bad email'), 'fail'],
    ['a transient SourceError', new SourceError('timeout'), 'retry'],
    ['a permanent SourceError', new SourceError('401 from the HR API', { transient: false }), 'fail'],
    ['a TypeError (a bug)', new TypeError('x is undefined'), 'fail'],
    [
      'an unknown error (a dropped socket)',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      'retry',
    ],
  ])('%s → %s', (_case, thrown, kind) => {
    expect(decideFailure(thrown).kind).toBe(kind);
  });

  it('keeps the wait Kratos asked for, and a default when it did not say', () => {
    expect(decideFailure(kratos(429, { retryAfterMs: 2_000 }))).toMatchObject({
      kind: 'rate-limited',
      waitMs: 2_000,
    });
    expect(decideFailure(kratos(429))).toMatchObject({ kind: 'rate-limited', waitMs: 1_000 });
  });

  it('marks bugs so they are logged as errors, and keeps the reason with its code', () => {
    expect(decideFailure(new TypeError('x is undefined'))).toEqual({
      kind: 'fail',
      bug: true,
      reason: 'TypeError: x is undefined',
    });
    expect(
      decideFailure(new SyncError('SYNC_ERR_RECORD_INVALID', 'record E1: traits.email: format')),
    ).toEqual({
      kind: 'fail',
      bug: false,
      reason: 'SYNC_ERR_RECORD_INVALID: record E1: traits.email: format',
    });
  });
});
