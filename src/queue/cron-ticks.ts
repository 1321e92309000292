import { createTask, parse, validateDetailed } from 'node-cron';

/**
 * The latest tick of a node-cron expression at or before `before` and after `after` (process local time,
 * as node-cron schedules it), or null when there is none in between. Used to catch up a run missed while
 * no scheduler was running.
 *
 * node-cron can only test one date at a time (about 0.1 ms each, through Intl), so walking back minute by
 * minute over a weekly schedule would take seconds. This walks back day by day, then picks the latest
 * matching hour, minute and second of a matching day, as node-cron does: every field must match (day of
 * month AND day of week).
 */
export function previousTick(expression: string, before: Date, after: Date): Date | null {
  const fields = parse(expression);
  const seconds = descending(fields.second);
  const minutes = descending(fields.minute);
  const hours = descending(fields.hour);
  const months = new Set(fields.month);
  const exotic = [...fields.dayOfMonth, ...fields.dayOfWeek].some((v) => typeof v === 'string' && v !== 'L');
  const task = exotic ? createTask(expression, () => undefined) : undefined;
  try {
    const day = new Date(before.getFullYear(), before.getMonth(), before.getDate());
    // A schedule may fire once a year (or on 29 February): look back up to eight years of days.
    for (let i = 0; i < 366 * 8 && day.getTime() + 86_400_000 > after.getTime(); i++) {
      if (months.has(day.getMonth() + 1) && (exotic || dayMatches(fields, day))) {
        const tick = latestInDay(day, { hours, minutes, seconds }, before, after, task);
        if (tick) return tick;
      }
      day.setDate(day.getDate() - 1);
    }
    return null;
  } finally {
    void task?.destroy();
  }
}

function latestInDay(
  day: Date,
  times: { hours: number[]; minutes: number[]; seconds: number[] },
  before: Date,
  after: Date,
  task: { match(date: Date): boolean } | undefined,
): Date | null {
  for (const hour of times.hours) {
    for (const minute of times.minutes) {
      for (const second of times.seconds) {
        const candidate = new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, minute, second);
        if (candidate > before) continue;
        if (candidate <= after) return null;
        if (!task || task.match(candidate)) return candidate;
      }
    }
  }
  return null;
}

function dayMatches(fields: ReturnType<typeof parse>, day: Date): boolean {
  const date = day.getDate();
  const lastDay = new Date(day.getFullYear(), day.getMonth() + 1, 0).getDate();
  const dom = fields.dayOfMonth.some((v) => v === date || (v === 'L' && date === lastDay));
  return dom && fields.dayOfWeek.includes(day.getDay());
}

function descending(values: Array<number | string>): number[] {
  return values.filter((v): v is number => typeof v === 'number').sort((a, b) => b - a);
}

/** A clear error for a bad `schedule` option, naming the source and the field at fault. */
export function checkCronExpression(source: string, expression: string): void {
  const result = validateDetailed(expression);
  if (result.valid) return;
  const problems = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  throw new Error(`sources.${source}.schedule: "${expression}" is not a valid cron expression (${problems})`);
}

/** A tick as used in job ids and Redis: whole seconds, UTC, ISO 8601. */
export function tickIso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
}
