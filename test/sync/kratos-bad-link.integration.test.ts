import { afterEach, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { startLinkManglingProxy, type LinkManglingProxy } from '../support/link-mangling-proxy.ts';
import { type Harness, people, startHarness } from './engine-harness.ts';

describe('a full sync whose Kratos identity list has an unparseable Link header (v26)', () => {
  let harness: Harness | undefined;
  let proxy: LinkManglingProxy | undefined;
  afterEach(async () => {
    await harness?.release();
    await proxy?.close();
    harness = undefined;
    proxy = undefined;
  });

  it('fails the run with the reason instead of completing on a list cut short after page 2, and writes nothing', async () => {
    harness = await startHarness({
      api: 'v26',
      people: people(10),
      kratos: { pageSize: 3 },
      adminUrl: async (simUrl) => {
        proxy = await startLinkManglingProxy(simUrl, '/admin/identities', 2);
        return proxy.url;
      },
    });
    const first = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(first.counts.create?.applied).toBe(10);

    // Page 2 of the next listing carries a header a broken gateway garbled: read as "last page", the run
    // would see 6 of the 10 identities and go on as if that were all of them.
    proxy!.state.badLink = '</admin/identities?page_size=3&page_token=7c9e6679-7425-40de; rel="next"';
    proxy!.state.listCalls = 0;
    const writesBefore = harness.writes();
    const second = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(proxy!.state.listCalls).toBeGreaterThanOrEqual(2);
    expect(second.status).toBe('failed');
    expect(second.error?.code).toBe('SYNC_ERR_KRATOS_REJECTED');
    expect(second.error?.message).toMatch(/listIdentities: page 2: the Link header does not parse/);
    expect(second.counts.create?.applied ?? 0).toBe(0);
    expect(harness.sim.state.identities.size).toBe(10);
    expect(harness.writes()).toEqual(writesBefore);
  });

  it('fails the run, too, when page 2 names a next link that is not an http(s) URL', async () => {
    harness = await startHarness({
      api: 'v26',
      people: people(10),
      kratos: { pageSize: 3 },
      adminUrl: async (simUrl) => {
        proxy = await startLinkManglingProxy(simUrl, '/admin/identities', 2);
        return proxy.url;
      },
    });
    expect((await runFullSync(harness.ctx, 'hr', { trigger: 'cli' })).counts.create?.applied).toBe(10);

    proxy!.state.badLink = '<ftp://files.example/admin/identities?page_token=abc>; rel="next"';
    proxy!.state.listCalls = 0;
    const writesBefore = harness.writes();
    const second = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(second.status).toBe('failed');
    expect(second.error?.code).toBe('SYNC_ERR_KRATOS_REJECTED');
    expect(second.error?.message).toMatch(/listIdentities: page 2: .*not an http or https URL/);
    expect(second.error?.message).not.toContain('files.example');
    expect(harness.writes()).toEqual(writesBefore);
  });
});
