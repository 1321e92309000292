import { afterEach, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { person, startHarness, type Harness } from './engine-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.release();
  h = undefined;
});

// An external id becomes a URL path segment (`GET /admin/identities/by/external/{id}`). `.` and `..` are
// dot-segments that clients and routers resolve away (RFC 3986 §5.2.4), and Kratos' Go router matches the
// decoded path, where `%2F` is a `/` again: either way the request would reach another route than meant.
describe('an external id that would not stay one path segment', () => {
  it('quarantines the record with a clear reason and sends Kratos nothing for it', async () => {
    h = await startHarness({
      api: 'v26',
      people: [person(1), person(2, { id: '.' }), person(3, { id: '..' }), person(4, { id: 'a/b' })],
      source: { mapping: { ...baseMapping(), externalId: 'employee_id' } },
    });
    const report = await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    expect(report.counts.create?.applied).toBe(1);
    const quarantined = report.quarantined.records;
    expect(quarantined.map((q) => q.key).sort()).toEqual(['.', '..', 'a/b']);
    for (const q of quarantined) {
      expect(q.field).toBe('external_id');
      expect(q.rule).toBe('path-segment');
      expect(q.message).toMatch(/path segment/);
    }
    const externalIds = [...h.sim.state.identities.values()].map((i) => i.external_id);
    expect(externalIds).toEqual(['E00001']);
  });

  it('is refused by the Kratos client before any request is sent', async () => {
    h = await startHarness({ api: 'v26', people: [person(1)] });
    const before = h.sim.stats().total;
    for (const externalId of ['.', '..', 'a/b', '../admin']) {
      await expect(h.ctx.kratos.getIdentityByExternalId(externalId)).rejects.toThrow(/path segment/);
    }
    expect(h.sim.stats().total).toBe(before);
    // Ordinary ids with dots and other reserved characters are still looked up (encoded).
    expect(await h.ctx.kratos.getIdentityByExternalId('a.b..c?d#e')).toBeNull();
  });
});

function baseMapping() {
  return {
    key: 'employee_id',
    schemaId: '"employee"',
    traits:
      '{ "email": $lowercase(work_email), "name": { "first": first_name, "last": last_name }, "department": department }',
    version: 'updated_at',
  };
}
