import { DateTime } from 'luxon';
import type { OnboardingConfig } from '../config/sections/source.ts';

export interface InviteSendTime {
  /** When the invite should go out; `now` for an immediate one. */
  at: Date;
  delayMs: number;
  /** Why this time: `immediate`, `start-date`, `start-date-passed`, `no-start-date`, `bad-start-date`. */
  basis: 'immediate' | 'start-date' | 'start-date-passed' | 'no-start-date' | 'bad-start-date';
  /** The zone the start date was read in. */
  timeZone?: string;
}

/**
 * When to deliver an invite. With `timing: start-date` it is `sendAt` (HH:MM, local) on the start date in
 * the person's zone (or `defaultTimeZone` when theirs is missing or not an IANA zone) — so a link issued
 * then has its whole lifetime ahead of day one. A start date that has passed, is missing or unreadable
 * means now: a late invite is better than none.
 */
export function inviteSendTime(
  config: Pick<OnboardingConfig, 'timing' | 'sendAt' | 'defaultTimeZone'>,
  fields: { startDate?: string; timeZone?: string },
  now: Date,
): InviteSendTime {
  const immediate = (basis: InviteSendTime['basis'], timeZone?: string): InviteSendTime => ({
    at: now,
    delayMs: 0,
    basis,
    ...(timeZone ? { timeZone } : {}),
  });
  if (config.timing === 'immediate') return immediate('immediate');
  if (!fields.startDate) return immediate('no-start-date');
  const timeZone = isZone(fields.timeZone) ? fields.timeZone : config.defaultTimeZone;
  const [hour, minute] = config.sendAt.split(':').map(Number) as [number, number];
  const day = DateTime.fromISO(fields.startDate, { zone: timeZone });
  if (!day.isValid) return immediate('bad-start-date', timeZone);
  const at = day.set({ hour, minute, second: 0, millisecond: 0 });
  const delayMs = at.toMillis() - now.getTime();
  if (delayMs <= 0) return immediate('start-date-passed', timeZone);
  return { at: at.toJSDate(), delayMs, basis: 'start-date', timeZone };
}

function isZone(zone: string | undefined): zone is string {
  return !!zone && DateTime.now().setZone(zone).isValid;
}
