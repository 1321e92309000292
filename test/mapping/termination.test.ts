import { describe, expect, it } from 'vitest';
import { createTerminationClock, isValidTimeZone } from '../../src/mapping/termination.ts';

describe('termination dates', () => {
  it('starts a date-only termination at midnight in the configured zone', () => {
    const tokyo = createTerminationClock('Asia/Tokyo'); // UTC+9: midnight on the 1st is 15:00 UTC on the 31st
    expect(tokyo.hasPassed('2026-01-01', new Date('2025-12-31T14:59:59Z'))).toBe(false);
    expect(tokyo.hasPassed('2026-01-01', new Date('2025-12-31T15:00:00Z'))).toBe(true);
    const utc = createTerminationClock('UTC');
    expect(utc.hasPassed('2026-01-01', new Date('2025-12-31T15:00:00Z'))).toBe(false);
  });

  it('reads a date-time without offset as local time in the zone, and one with offset as that instant', () => {
    const berlin = createTerminationClock('Europe/Berlin');
    expect(berlin.hasPassed('2026-07-01T09:00', new Date('2026-07-01T06:59:00Z'))).toBe(false);
    expect(berlin.hasPassed('2026-07-01T09:00', new Date('2026-07-01T07:00:00Z'))).toBe(true);
    expect(berlin.hasPassed('2026-07-01T09:00Z', new Date('2026-07-01T08:59:00Z'))).toBe(false);
  });

  it('says invalid for dates that are not ISO or do not exist', () => {
    const clock = createTerminationClock('UTC');
    for (const value of ['31.12.2026', '2026-02-30', 'tomorrow', '2026-13-01']) {
      expect(clock.hasPassed(value, new Date()), value).toBe('invalid');
    }
  });

  it('knows IANA zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
