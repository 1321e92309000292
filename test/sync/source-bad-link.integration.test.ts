import { afterEach, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';
import { type Harness, people, startHarness, asHrApiRecord } from './engine-harness.ts';

describe('a full sync whose HTTP source answers page 2 with an unparseable Link header (v26)', () => {
  let harness: Harness | undefined;
  let api: FakeHrApi | undefined;
  afterEach(async () => {
    await harness?.release();
    await api?.close();
    harness = undefined;
    api = undefined;
  });

  it('reads the source as cut short: nobody on the unread pages is deactivated', async () => {
    const records = people(10).map(asHrApiRecord);
    api = await startFakeHrApi({ people: records, pagination: 'link-header', maxPageSize: 3 });
    harness = await startHarness({
      api: 'v26',
      people: [],
      source: {
        connection: {
          type: 'http-json',
          url: api.collectionUrl,
          itemsPath: 'data',
          pagination: { type: 'link-header' },
        },
      },
    });
    const first = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(first.counts.create?.applied).toBe(10);

    // Page 2 (records 4-6) comes with a Link header a broken gateway garbled: read as "last page", the
    // four people on pages 3 and 4 would look gone.
    api.inject(
      {
        body: JSON.stringify({ data: records.slice(3, 6) }),
        link: `<${api.collectionUrl}?page=3&per_page=3; rel="next"`,
      },
      { when: (r) => r.path === '/v1/employees' && r.query.get('page') === '2' },
    );
    const second = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(second.snapshot.complete).toBe(false);
    expect(second.snapshot.error?.code).toBe('SYNC_ERR_SOURCE_REFUSED');
    expect(second.snapshot.error?.message).toMatch(
      /^source read stopped after 6 records: hr: page 2: the Link header does not parse/,
    );
    expect(second.snapshot.error?.message).not.toContain('per_page');
    expect(second.counts.deactivate?.applied ?? 0).toBe(0);
    const states = [...harness.sim.state.identities.values()].map((i) => i.state);
    expect(states.filter((s) => s === 'inactive')).toHaveLength(0);
    expect(harness.sim.state.identities.size).toBe(10);
  });
});
