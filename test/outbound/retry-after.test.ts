import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/outbound/retry-after.ts';

describe('retryAfterMs', () => {
  const now = Date.parse('2030-05-06T07:08:09Z');

  it('reads delta-seconds and HTTP-dates against the given clock', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Mon, 06 May 2030 07:08:39 GMT', now)).toBe(30_000);
    expect(retryAfterMs(['7', '9'], now)).toBe(7000);
  });

  it('treats a past date as now and unreadable values as absent', () => {
    expect(retryAfterMs('Mon, 06 May 2030 07:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('1.5', now)).toBeUndefined();
    expect(retryAfterMs('-3', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
