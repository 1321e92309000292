import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunStore } from '../../src/store/run-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { people, person, simIdentitiesByKey, startHarness, type Harness } from '../sync/engine-harness.ts';
import {
  basicAuth,
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  startConsoleServer,
  withConsoleAuth,
} from './console-fixture.ts';

const AUTH = basicAuth(CONSOLE_USER, CONSOLE_PASSWORD);

/** The console over real HTTP (no browser): who may in, which POSTs pass, and what reaches the markup. */
describe('operations console over HTTP', () => {
  let harness: Harness | undefined;
  let server: { app: FastifyInstance; url: string } | undefined;
  afterEach(async () => {
    await server?.app.close();
    await harness?.release();
    server = harness = undefined;
  });

  async function heldHistory(api: 'v26' | 'v0.10' = 'v26') {
    harness = await startHarness({
      api,
      people: people(6),
      source: { guard: { maxRemoveFraction: 0.2, maxRemoveCount: 100, maxSourceShrink: 0.9 } },
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople(people(2));
    const held = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(held.status).toBe('held');
    server = await startConsoleServer(withConsoleAuth(harness.ctx));
    return { harness, server, held };
  }

  it('is not mounted when http.auth is not configured, and says why in the log', async () => {
    harness = await startHarness({ api: 'v26', people: people(1) });
    const logs = captureLogs('info');
    server = await startConsoleServer({ ...harness.ctx, logger: logs.logger });
    expect((server as { mounted?: boolean }).mounted).toBe(false);
    expect((await fetch(`${server.url}/console`, { headers: { authorization: AUTH } })).status).toBe(404);
    expect(logs.text()).toMatch(/operations console not mounted: http\.auth/);
  });

  it('refuses requests without the right credentials (401 with a Basic challenge)', async () => {
    const { server } = await heldHistory();
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: basicAuth(CONSOLE_USER, 'wrong') },
      { authorization: basicAuth('someone', CONSOLE_PASSWORD) },
      { authorization: basicAuth(CONSOLE_USER, `${CONSOLE_PASSWORD}x`) },
      { authorization: 'Bearer abc' },
    ];
    for (const path of [
      '/console',
      '/console/held',
      '/console/assets/console.css',
      '/console/no-such-page',
    ]) {
      for (const headers of attempts) {
        const response = await fetch(`${server.url}${path}`, { headers });
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Basic realm="kratos-sync", charset="UTF-8"');
        expect(await response.text()).not.toContain('hr');
      }
    }
    const ok = await fetch(`${server.url}/console`, { headers: { authorization: AUTH } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['v26', 'v0.10'] as const)(
    'refuses a POST without a valid CSRF token (403) and applies nothing; with it, approves and redirects (Kratos %s)',
    async (api) => {
      const { harness, server, held } = await heldHistory(api);
      const approve = `${server.url}/console/runs/${held.id}/approve`;
      const post = (body: string) =>
        fetch(approve, {
          method: 'POST',
          redirect: 'manual',
          headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
      expect((await post('back=run')).status).toBe(403);
      expect((await post('_csrf=forged&back=run')).status).toBe(403);
      expect(
        (await fetch(approve, { method: 'POST', redirect: 'manual', headers: { authorization: AUTH } }))
          .status,
      ).toBe(403);
      expect((await createRunStore(harness.redis, harness.prefix).get(held.id))?.status).toBe('held');
      expect([...simIdentitiesByKey(harness.sim).values()].every((i) => i.state === 'active')).toBe(true);

      const page = await (
        await fetch(`${server.url}/console/held`, { headers: { authorization: AUTH } })
      ).text();
      const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
      expect(token).toBeTruthy();
      const response = await post(`_csrf=${encodeURIComponent(token!)}&back=held`);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/console/held');
      const byKey = simIdentitiesByKey(harness.sim);
      for (const key of ['E00003', 'E00004', 'E00005', 'E00006'])
        expect(byKey.get(key)?.state).toBe('inactive');
      expect((await createRunStore(harness.redis, harness.prefix).get(held.id))?.status).toBe('completed');
    },
  );

  it('approving re-reads the source: someone HR put back keeps access, and the run page says why', async () => {
    const { harness, server, held } = await heldHistory();
    harness.writePeople([...people(2), person(3)]); // E00003 is back in the export before the approval
    const page = await (
      await fetch(`${server.url}/console/runs/${held.id}`, { headers: { authorization: AUTH } })
    ).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    const approved = await fetch(`${server.url}/console/runs/${held.id}/approve`, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(token!)}&back=run`,
    });
    expect(approved.status).toBe(303);
    const byKey = simIdentitiesByKey(harness.sim);
    expect(byKey.get('E00003')?.state).toBe('active');
    for (const key of ['E00004', 'E00005', 'E00006']) expect(byKey.get(key)?.state).toBe('inactive');
    const after = await (
      await fetch(`${server.url}/console/runs/${held.id}`, { headers: { authorization: AUTH } })
    ).text();
    expect(after).toMatch(/3 applied,\s*0 failed, 1 skipped/);
    expect(after).toContain('Not removed at approval');
    expect(after).toMatch(
      /the source lists key &quot;E00003&quot; again and it keeps access|the source lists key "E00003" again and it keeps access/,
    );
  });

  it('still answers the held page quickly when Kratos hangs, without the names it could not read', async () => {
    const { harness, server } = await heldHistory();
    const get = () => fetch(`${server.url}/console/held`, { headers: { authorization: AUTH } });
    expect(await (await get()).text()).toContain('First3 Last3');
    harness.sim.setFaults({ hangRate: 1, routes: ['GET /admin/identities/{id}'] });
    const started = performance.now();
    const response = await get();
    const elapsed = performance.now() - started;
    const text = await response.text();
    expect(response.status).toBe(200);
    // The client alone would wait 3 × 2 s per person; the page gives names 2 s in all.
    expect(elapsed).toBeLessThan(4_000);
    expect(text).toContain('E00003');
    expect(text).toContain('Approve 4 removals');
    expect(text).not.toContain('First3 Last3');
  });

  it('escapes everything taken from the source: names, keys, queries', async () => {
    const hostile = '<script>alert(1)</script>';
    harness = await startHarness({
      api: 'v26',
      people: [
        person(1, { first: hostile, last: '<b>x</b>' }),
        person(2, { id: '<u>E2</u>', email: 'not-an-email' }),
      ],
    });
    const run = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    server = await startConsoleServer(withConsoleAuth(harness.ctx));
    const get = async (path: string) =>
      (await fetch(`${server!.url}${path}`, { headers: { authorization: AUTH } })).text();
    const runPage = await get(`/console/runs/${run.id}`);
    expect(runPage).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;x&lt;/b&gt;');
    expect(runPage).toContain('&lt;u&gt;E2&lt;/u&gt;');
    const quarantine = await get('/console/quarantine');
    expect(quarantine).toContain('&lt;u&gt;E2&lt;/u&gt;');
    const receipts = await get(`/console/receipts?q=${encodeURIComponent('"><script>x()</script>')}`);
    expect(receipts).toContain('value="&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"');
    for (const page of [runPage, quarantine, receipts]) {
      expect(page).not.toMatch(/<script>|<b>x|<u>E2/);
      // The only script is the console's own file.
      expect(page.match(/<script/g)).toHaveLength(1);
    }
  });

  it('answers 404 pages for unknown runs and paths, inside the console frame', async () => {
    harness = await startHarness({ api: 'v26', people: people(1) });
    server = await startConsoleServer(withConsoleAuth(harness.ctx));
    for (const path of ['/console/runs/nope', '/console/runs/20260101T000000000Z-abcdef', '/console/what']) {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: AUTH } });
      expect(response.status, path).toBe(404);
      expect(await response.text()).toContain('signed in as ops');
    }
  });
});
