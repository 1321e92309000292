import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderReport } from '../../src/cli/render-run.ts';
import { createReceiptStore } from '../../src/store/receipt-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { PROFILES, simIdentitiesByKey, startHarness, type Harness } from './engine-harness.ts';

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/demo');
const demoSource = (
  parseYaml(readFileSync(path.join(demo, 'kratos-sync.yaml'), 'utf8')) as {
    sources: { hr: Record<string, unknown> };
  }
).sources.hr;
/** Day 1: 34 people, less a leaver (never created) and a bad email (quarantined). */
const DAY1_PEOPLE = 32;

/**
 * The README's demo data (config/demo: the export, the mapping with `externalId`, leaver rules and
 * onboarding) against every Kratos line: the first run creates everyone, the second writes nothing, and
 * the next day's leaver loses access with every session revoked and verified.
 */
describe.each(PROFILES)('the demo data on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('first run creates everyone, second writes nothing, the next day deactivates the leaver', async () => {
    harness = await startHarness({
      api,
      people: [],
      source: { ...demoSource, connection: { type: 'csv', path: 'hr-export.csv' } },
      config: { delivery: { outbox: { dir: 'outbox' } } },
    });
    const h = harness;
    copyFileSync(path.join(demo, 'hr-export.csv'), path.join(h.dir, 'hr-export.csv'));

    const first = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(first.counts.create).toEqual({
      planned: DAY1_PEOPLE,
      applied: DAY1_PEOPLE,
      failed: 0,
      skipped: 0,
    });
    expect(first.quarantined.total).toBe(1);
    expect(simIdentitiesByKey(h.sim).size).toBe(DAY1_PEOPLE);
    // The demo mapping sets externalId; where Kratos has none, the CLI's report says so once.
    const noted = renderReport(first)
      .split('\n')
      .filter((line) => line.includes('note: the mapping sets externalId'));
    expect(noted).toHaveLength(h.ctx.kratos.capabilities.externalIdLookup ? 0 : 1);

    const before = h.writes();
    const second = await runFullSync(h.ctx, 'hr', { trigger: 'schedule' });
    expect(second.counts).toEqual({});
    expect(second.unchanged).toBe(DAY1_PEOPLE);
    expect(h.writes()).toEqual(before);

    const leaver = simIdentitiesByKey(h.sim).get('E1013')!;
    const sessions = [h.sim.login(leaver.id), h.sim.login(leaver.id)];
    copyFileSync(path.join(demo, 'hr-export-next-day.csv'), path.join(h.dir, 'hr-export.csv'));
    const next = await runFullSync(h.ctx, 'hr', { trigger: 'schedule' });
    expect(next.counts.deactivate).toEqual({ planned: 1, applied: 1, failed: 0, skipped: 0 });
    // The fixed record (E1032) and the new hire (E1035) are created; the mover (E1004) is updated.
    expect(next.counts.create?.applied).toBe(2);
    expect(next.counts.update?.applied).toBe(1);
    expect(h.sim.identity(leaver.id)?.state).toBe('inactive');
    for (const session of sessions) {
      expect(h.sim.sessionsOf(leaver.id).find((s) => s.id === session.sessionId)?.active ?? false).toBe(
        false,
      );
    }
    const receipt = await createReceiptStore({ redis: h.redis, prefix: h.prefix }).get('hr', 'E1013');
    expect(receipt).toMatchObject({ outcome: 'offboarded', sessionsRevoked: 2, verified: true });
  });
});
