import { afterEach, describe, expect, it } from 'vitest';
import { createReceiptStore } from '../../src/store/receipt-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { syncPerson } from '../../src/sync/sync-person.ts';
import { type Harness, people, PROFILES, startHarness } from './engine-harness.ts';

// Leavers the sync finds itself (a full run, or one person's sync after a webhook) get the same receipt a
// runbook leaver gets: when the source says they left, and how long they kept access after that.
//
// The fixture export has no termination column, so these sources read the termination date from
// `updated_at` of a terminated row: the date the HR system stamped when it recorded the termination.
const leaverFromDate = (timeZone = 'UTC') => ({
  leaver: {
    policy: 'deactivate',
    terminationDate: 'status = "terminated" ? updated_at',
    timeZone,
  },
});

describe.each(PROFILES)('receipts of leavers the sync detects on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('a full run: the receipt carries the termination date and the time from it to revocation', async () => {
    const list = people(6);
    harness = await startHarness({ api, people: list, source: leaverFromDate() });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });

    list[2] = { ...list[2]!, status: 'terminated', updated: '2026-11-26T17:00:00Z' };
    harness.writePeople(list);
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.counts.deactivate?.applied).toBe(1);

    const receipt = await createReceiptStore({ redis: harness.redis, prefix: harness.prefix }).get(
      'hr',
      'E00003',
    );
    expect(receipt).toMatchObject({
      outcome: 'offboarded',
      leftAt: '2026-11-26T17:00:00.000Z',
      // The injected clock stands at 2026-11-27T08:00Z: access ended 15 hours after the termination.
      revokedAt: '2026-11-27T08:00:00.000Z',
      terminationToRevocationMs: 15 * 3_600_000,
    });
  });

  it('one person synced after a webhook: a date-only termination counts from midnight in leaver.timeZone', async () => {
    const list = people(4);
    harness = await startHarness({ api, people: list, source: leaverFromDate('Europe/Berlin') });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });

    list[3] = { ...list[3]!, status: 'terminated', updated: '2026-11-25' };
    harness.writePeople(list);
    const outcome = await syncPerson(harness.ctx, 'hr', 'E00004', { trigger: 'webhook' });
    expect(outcome.status).toBe('deactivated');

    const receipt = await createReceiptStore({ redis: harness.redis, prefix: harness.prefix }).get(
      'hr',
      'E00004',
    );
    // 2026-11-25 00:00 in Berlin (UTC+1 in November) is 2026-11-24T23:00Z.
    expect(receipt).toMatchObject({
      outcome: 'offboarded',
      leftAt: '2026-11-24T23:00:00.000Z',
      terminationToRevocationMs: Date.parse('2026-11-27T08:00:00Z') - Date.parse('2026-11-24T23:00:00Z'),
    });
  });

  it('a person who is simply gone from the source has no termination date to report', async () => {
    const list = people(6);
    harness = await startHarness({ api, people: list, source: leaverFromDate() });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(list.filter((p) => p.id !== 'E00002'));
    await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    const receipt = await createReceiptStore({ redis: harness.redis, prefix: harness.prefix }).get(
      'hr',
      'E00002',
    );
    expect(receipt).toMatchObject({ outcome: 'offboarded', leftAt: null, terminationToRevocationMs: null });
  });
});
