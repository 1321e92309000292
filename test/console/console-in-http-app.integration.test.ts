import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncContext } from '../../src/sync/context.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { startRuntimeHarness } from '../jobs/runtime-harness.ts';
import { people, startHarness, type Harness } from '../sync/engine-harness.ts';
import { basicAuth, CONSOLE_PASSWORD, CONSOLE_USER, withConsoleAuth } from './console-fixture.ts';
import { openHttpApp } from './http-app-fixture.ts';

/** The console as `kratos-sync worker --role http` serves it: inside the HTTP app, beside the dashboard. */
describe('console in the HTTP app', () => {
  let harness: Harness | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await harness?.release();
    harness = close = undefined;
  });

  async function start(ctx: SyncContext) {
    const opened = await openHttpApp(ctx);
    close = opened.close;
    return opened.app;
  }

  it('serves /console with the dashboard credentials, and links to the dashboard it sits beside', async () => {
    harness = await startHarness({ api: 'v26', people: people(3) });
    const run = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const app = await start(withConsoleAuth(harness.ctx));
    const authorization = basicAuth(CONSOLE_USER, CONSOLE_PASSWORD);

    expect((await app.inject({ url: '/console' })).statusCode).toBe(401);
    const overview = await app.inject({ url: '/console', headers: { authorization } });
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain(`/console/runs/${run.id}`);
    expect(overview.body).toContain('href="/admin/queues"');
    expect((await app.inject({ url: '/admin/queues', headers: { authorization } })).statusCode).toBe(200);
    // The rest of the HTTP app is not behind the console's auth.
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('is absent from the HTTP app when http.auth is not configured', async () => {
    harness = await startHarness({ api: 'v26', people: people(1) });
    const app = await start(harness.ctx);
    const response = await app.inject({ url: '/console', headers: { authorization: basicAuth('a', 'b') } });
    expect(response.statusCode).toBe(404);
  });
});

describe('console in `kratos-sync worker`', () => {
  it('is served by an http-only replica, which builds its own engine context to decide held runs', async () => {
    const runtime = await startRuntimeHarness({
      people: people(6),
      source: { guard: { maxRemoveFraction: 0.2, maxRemoveCount: 100, maxSourceShrink: 0.9 } },
      config: {
        http: { port: 0, host: '127.0.0.1', auth: { username: CONSOLE_USER, password: CONSOLE_PASSWORD } },
      },
    });
    try {
      await runtime.startReplica(['worker']);
      await runtime.waitForJob(await runtime.enqueueFullSync());
      runtime.writePeople(people(2));
      await runtime.waitForJob(await runtime.enqueueFullSync());
      const web = await runtime.startReplica(['http']);
      const address = web.http!.server.address() as AddressInfo;
      const base = `http://127.0.0.1:${address.port}`;
      const authorization = basicAuth(CONSOLE_USER, CONSOLE_PASSWORD);
      const held = await (await fetch(`${base}/console/held`, { headers: { authorization } })).text();
      expect(held).toContain('Approve 4 removals');
      const runId = /\/console\/runs\/([^/"]+)\/approve/.exec(held)?.[1];
      const token = /name="_csrf" value="([^"]+)"/.exec(held)?.[1];
      const answer = await fetch(`${base}/console/runs/${runId}/approve`, {
        method: 'POST',
        redirect: 'manual',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token ?? '', back: 'run' }).toString(),
      });
      expect(answer.status).toBe(303);
      const states = [...runtime.sim.state.identities.values()].map((identity) => identity.state).sort();
      expect(states).toEqual(['active', 'active', 'inactive', 'inactive', 'inactive', 'inactive']);
    } finally {
      await runtime.close();
    }
  });
});
