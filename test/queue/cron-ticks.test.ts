import { createTask } from 'node-cron';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCronExpression, previousTick, tickIso } from '../../src/queue/cron-ticks.ts';

const at = (text: string) => new Date(text);

describe('previousTick', () => {
  it('finds the latest tick of a weekly schedule before a date', () => {
    // Mondays 03:00 local time.
    const tick = previousTick('0 3 * * 1', at('2026-11-27T12:00:00'), at('2026-01-01T00:00:00'));
    expect(tick).toEqual(at('2026-11-23T03:00:00'));
  });

  it('includes a tick exactly at "before" and excludes one at "after"', () => {
    expect(previousTick('*/15 * * * *', at('2026-11-27T12:30:00'), at('2026-11-27T12:00:00'))).toEqual(
      at('2026-11-27T12:30:00'),
    );
    expect(previousTick('*/15 * * * *', at('2026-11-27T12:14:59'), at('2026-11-27T12:00:00'))).toBeNull();
  });

  it('handles second-level schedules and the last day of the month', () => {
    expect(previousTick('*/20 * * * * *', at('2026-11-27T12:00:59'), at('2026-11-27T11:00:00'))).toEqual(
      at('2026-11-27T12:00:40'),
    );
    expect(previousTick('0 0 L * *', at('2026-03-15T00:00:00'), at('2025-01-01T00:00:00'))).toEqual(
      at('2026-02-28T00:00:00'),
    );
  });

  it('agrees with node-cron on random dates and schedules', () => {
    // Schedules that fire at least about daily, so a one-day window usually holds a tick (node-cron's own
    // match takes ~0.1 ms, which bounds how much of the window the test can check minute by minute).
    const patterns = ['0 3 * * *', '*/7 * * * *', '30 8,20 * * *', '0 */6 * * 1-5', '45 23 * * *'];
    const tasks = patterns.map((p) => createTask(p, () => undefined));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: patterns.length - 1 }),
        fc.date({ min: at('2025-01-01T00:00:00'), max: at('2027-12-31T00:00:00'), noInvalidDate: true }),
        (index, before) => {
          const after = new Date(before.getTime() - 86_400_000);
          const tick = previousTick(patterns[index]!, before, after);
          if (tick === null) return;
          // It is a tick, it is in the window, and nothing later in the window is one.
          expect(tasks[index]!.match(tick)).toBe(true);
          expect(tick.getTime()).toBeLessThanOrEqual(before.getTime());
          for (let t = Math.floor(before.getTime() / 60_000) * 60_000; t > tick.getTime(); t -= 60_000) {
            if (t <= before.getTime()) expect(tasks[index]!.match(new Date(t))).toBe(false);
          }
        },
      ),
      { numRuns: 15 },
    );
    for (const task of tasks) void task.destroy();
  });
});

describe('schedule helpers', () => {
  it('names the source and the field of a bad cron expression', () => {
    expect(() => checkCronExpression('hr', '61 * * * *')).toThrow(/^sources\.hr\.schedule: "61 \* \* \* \*"/);
    expect(() => checkCronExpression('hr', '0 3 * * 1')).not.toThrow();
  });

  it('writes ticks in whole UTC seconds', () => {
    expect(tickIso(new Date('2026-11-27T04:00:00.731Z'))).toBe('2026-11-27T04:00:00.000Z');
  });
});
