import { describe, expect, it } from 'vitest';
import { inviteSendTime } from '../../src/lifecycle/invite-send-time.ts';

const config = { timing: 'start-date' as const, sendAt: '09:00', defaultTimeZone: 'America/New_York' };
const now = new Date('2026-03-01T12:00:00Z');

describe('inviteSendTime', () => {
  it('is now for immediate timing', () => {
    expect(
      inviteSendTime({ ...config, timing: 'immediate' }, { startDate: '2026-04-01' }, now),
    ).toMatchObject({
      delayMs: 0,
      basis: 'immediate',
    });
  });

  it("uses the person's zone, across a daylight-saving change", () => {
    // New York moves to EDT on 8 March 2026: 09:00 local is 13:00Z after, 14:00Z before.
    expect(inviteSendTime(config, { startDate: '2026-03-09' }, now).at.toISOString()).toBe(
      '2026-03-09T13:00:00.000Z',
    );
    expect(inviteSendTime(config, { startDate: '2026-03-06' }, now).at.toISOString()).toBe(
      '2026-03-06T14:00:00.000Z',
    );
    const tokyo = inviteSendTime(config, { startDate: '2026-03-09', timeZone: 'Asia/Tokyo' }, now);
    expect(tokyo).toMatchObject({ basis: 'start-date', timeZone: 'Asia/Tokyo' });
    expect(tokyo.at.toISOString()).toBe('2026-03-09T00:00:00.000Z');
    expect(tokyo.delayMs).toBe(tokyo.at.getTime() - now.getTime());
  });

  it('falls back to the configured zone when the person has an unknown one', () => {
    const result = inviteSendTime(config, { startDate: '2026-03-09', timeZone: 'Mars/Olympus' }, now);
    expect(result.timeZone).toBe('America/New_York');
  });

  it('sends now when the start date has passed, is missing or unreadable', () => {
    expect(inviteSendTime(config, { startDate: '2026-02-28' }, now).basis).toBe('start-date-passed');
    // Day one itself, before 09:00 in New York: still waits for 09:00.
    expect(inviteSendTime(config, { startDate: '2026-03-01' }, now).delayMs).toBe(2 * 3_600_000);
    expect(inviteSendTime(config, {}, now).basis).toBe('no-start-date');
    expect(inviteSendTime(config, { startDate: 'next monday' }, now)).toMatchObject({
      basis: 'bad-start-date',
      delayMs: 0,
    });
  });
});
