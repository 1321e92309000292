import { DateTime } from 'luxon';
import { isTimeZone } from '../config/time-zone.ts';

/**
 * Reads a termination date the way HR systems write it and says whether it has taken effect at `now`:
 * - `2026-03-31` (date only): from the start of that day in `timeZone` — a Berlin leaver dated the 31st is
 *   a leaver from 00:00 Berlin time on the 31st, not from 00:00 UTC;
 * - a date-time without offset: local time in `timeZone`;
 * - a date-time with `Z` or an offset: that instant.
 */
export interface TerminationClock {
  /** true/false, or `invalid` when the value is not an ISO date / date-time. */
  hasPassed(value: string, now: Date): boolean | 'invalid';
  /** The instant the termination takes effect (epoch ms), or `invalid`. */
  effectiveAt(value: string): number | 'invalid';
}

export function isValidTimeZone(timeZone: string): boolean {
  return isTimeZone(timeZone);
}

export function createTerminationClock(timeZone: string): TerminationClock {
  // Date-only values repeat across a snapshot (many people leave on the same day): cache their start
  // instant. Bounded, so a source with many distinct dates cannot grow it without limit.
  const dayStarts = new Map<string, number>();
  function effectiveAt(value: string): number | 'invalid' {
    const text = value.trim();
    if (DATE_ONLY.test(text)) {
      let start = dayStarts.get(text);
      if (start === undefined) {
        const parsed = DateTime.fromISO(text, { zone: timeZone });
        if (!parsed.isValid) return 'invalid';
        start = parsed.startOf('day').toMillis();
        if (dayStarts.size >= 10_000) dayStarts.clear();
        dayStarts.set(text, start);
      }
      return start;
    }
    const parsed = DateTime.fromISO(text, { zone: timeZone });
    return parsed.isValid ? parsed.toMillis() : 'invalid';
  }
  return {
    effectiveAt,
    hasPassed(value, now) {
      const effective = effectiveAt(value);
      return effective === 'invalid' ? 'invalid' : effective <= now.getTime();
    },
  };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
