import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { startHarness, type Harness } from '../sync/engine-harness.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';
import { buildExport, buildItems, jsonItemSpec, rowSpec, type ExpectedPerson } from './support/bad-rows.ts';

/**
 * Generated HR exports full of bad rows — wrong field counts, missing keys, invalid emails, empty names,
 * duplicate keys, duplicate emails (in other letter case), 50–200 KB fields, quotes, control characters and
 * odd Unicode — through a real full sync: the run never crashes, every bad record is quarantined under its
 * key with its reason, and every good record is in Kratos with exactly its values.
 */
describe('a full sync of generated bad input', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      api: 'v26',
      people: [],
      source: {
        mapping: {
          key: 'employee_id',
          externalId: '"hr-" & employee_id',
          schemaId: '"employee"',
          traits:
            '{ "email": $lowercase(work_email), "name": { "first": first_name, "last": last_name }, "department": department }',
          metadataAdmin: '{ "department_code": $uppercase(department) }',
          version: 'updated_at',
        },
      },
    });
  });
  afterAll(async () => {
    await harness?.release();
  });

  it('quarantines each bad record with its reason and syncs every good one', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowSpec, { minLength: 1, maxLength: 40 }), async (specs) => {
        run++;
        // Each case is a different company: a fresh simulator state and fresh person keys.
        harness.sim.reset();
        const generated = buildExport(specs);
        writeFileSync(path.join(harness.dir, 'people.csv'), generated.csv);
        await forgetEngineState(harness);

        const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
        expect(report.error).toBeUndefined();
        expect(report.status).not.toBe('failed');
        expect(report.failures.total).toBe(0);
        expect(report.snapshot.complete).toBe(true);

        const got = report.quarantined.records.map((q) => ({ key: q.key, rule: q.rule }));
        const sortKey = (q: { key: string; rule: string }) => `${q.key}\u0000${q.rule}`;
        expect(got.map(sortKey).sort()).toEqual(generated.quarantined.map(sortKey).sort());
        for (const q of report.quarantined.records) expect(q.message.length).toBeGreaterThan(10);
        expect(report.quarantined.total).toBe(generated.quarantined.length);

        expectKratosHolds(harness, generated.synced);
      }),
      { numRuns: 60, endOnFailure: true },
    );
    expect(run).toBeGreaterThanOrEqual(60);
  });
});

describe('a full sync of generated bad items from an HR API', () => {
  let harness: Harness;
  let api: FakeHrApi;
  beforeAll(async () => {
    api = await startFakeHrApi({ pagination: 'page', maxPageSize: 7 });
    harness = await startHarness({
      api: 'v26',
      people: [],
      source: {
        connection: {
          type: 'http-json',
          url: api.collectionUrl,
          itemUrl: api.itemUrlTemplate,
          itemsPath: 'data',
          pagination: { type: 'page', size: 7 },
        },
      },
    });
  });
  afterAll(async () => {
    await harness?.release();
    await api?.close();
  });

  it('quarantines items of the wrong type or shape and syncs every good one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jsonItemSpec, { minLength: 1, maxLength: 30 }), async (specs) => {
        harness.sim.reset();
        await forgetEngineState(harness);
        const generated = buildItems(specs);
        api.people = generated.items as never;

        const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
        expect(report.error).toBeUndefined();
        expect(report.failures.total).toBe(0);
        expect(report.snapshot.complete).toBe(true);
        expect(report.quarantined.records.map((q) => q.key).sort()).toEqual(
          [...generated.quarantinedKeys].sort(),
        );
        for (const q of report.quarantined.records) {
          expect(q.rule).not.toBe('');
          expect(q.message.length).toBeGreaterThan(10);
        }
        expectKratosHolds(harness, generated.synced);
      }),
      { numRuns: 40, endOnFailure: true },
    );
  });
});

/** Kratos holds exactly the expected people, once each, with exactly their values. */
function expectKratosHolds(harness: Harness, synced: ReadonlyMap<string, ExpectedPerson>): void {
  const inKratos = new Map<
    string,
    { traits: unknown; metadata_admin: unknown; external_id: string | null }
  >();
  for (const identity of harness.sim.state.identities.values()) {
    const key = (identity.metadata_admin as { kratos_sync?: { key?: string } }).kratos_sync?.key;
    expect(key).toBeDefined();
    expect(inKratos.has(key!)).toBe(false);
    inKratos.set(key!, identity);
  }
  expect([...inKratos.keys()].sort()).toEqual([...synced.keys()].sort());
  for (const [key, expected] of synced) {
    const identity = inKratos.get(key)!;
    expect(identity.traits).toEqual(expected.traits);
    expect(identity.external_id).toBe(`hr-${key}`);
    expect((identity.metadata_admin as Record<string, unknown>).department_code).toBe(
      expected.departmentCode,
    );
  }
}

/** Drops the engine's Redis state (marker index, runs, audit) of this harness only. */
async function forgetEngineState(harness: Harness): Promise<void> {
  const keys = await harness.redis.keys(`${harness.prefix}*`);
  if (keys.length > 0) await harness.redis.del(...keys);
}
