import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { runtimeKeys } from '../../src/queue/runtime-keys.ts';
import { readAuditForPerson, readAuditForRun } from '../../src/store/audit-store.ts';
import { createRunStore } from '../../src/store/run-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { waitFor } from '../queue/helpers.ts';
import { people, person, simIdentitiesByKey, startHarness, type Harness } from '../sync/engine-harness.ts';
import {
  basicAuth,
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  startConsoleServer,
  withConsoleAuth,
} from './console-fixture.ts';

const AUTH = basicAuth(CONSOLE_USER, CONSOLE_PASSWORD);

/** The console's Sync now over real HTTP: a GET that reads nothing, a preview by POST, a start that returns. */
describe('console: a full sync of a source', { timeout: 60_000 }, () => {
  let harness: Harness | undefined;
  let server: { app: FastifyInstance; url: string } | undefined;
  afterEach(async () => {
    await server?.app.close();
    await harness?.release();
    server = harness = undefined;
  });

  async function start(config: Record<string, unknown> = {}) {
    harness = await startHarness({
      api: 'v26',
      people: people(3),
      source: { guard: { maxRemoveFraction: 1, maxRemoveCount: 100 } },
      config,
    });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople([
      person(1, { last: 'Renamed', updated: '2026-05-01T00:00:00Z' }),
      person(2),
      person(3, { status: 'terminated', updated: '2026-05-01T00:00:00Z' }),
    ]);
    server = await startConsoleServer(withConsoleAuth(harness.ctx));
    const syncUrl = `${server.url}/console/sources/hr/sync`;
    const confirm = await fetch(syncUrl, { headers: { authorization: AUTH } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await confirm.text())?.[1];
    expect(csrf).toBeTruthy();
    const post = (url: string, token = csrf!) =>
      fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${encodeURIComponent(token)}`,
      });
    return { harness, syncUrl, post };
  }

  it('asks on GET without reading the source or Kratos; the preview is a CSRF-checked POST that changes nothing', async () => {
    const { harness, syncUrl, post } = await start();
    const callsBefore = harness.ctx.kratos.callCounts();
    const confirm = await fetch(syncUrl, { headers: { authorization: AUTH } });
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    expect(page).toContain('action="/console/sources/hr/sync/preview"');
    expect(page).not.toMatch(/1 update/);
    expect(harness.ctx.kratos.callCounts()).toEqual(callsBefore);

    const writesBefore = harness.writes();
    expect((await post(`${syncUrl}/preview`, 'forged')).status).toBe(403);
    const preview = await post(`${syncUrl}/preview`);
    expect(preview.status).toBe(200);
    expect(await preview.text()).toMatch(/1 update, 1 deactivate/);
    expect(harness.writes()).toEqual(writesBefore);
    expect((await createRunStore(harness.redis, harness.prefix).list({ source: 'hr' })).length).toBe(1);
  });

  it('starts the run and answers at once with its page, while the run goes on; a second start is told the source is busy', async () => {
    const { harness, syncUrl, post } = await start();
    // Every Kratos answer takes 1 s, so the run lasts several seconds after the answer.
    harness.sim.setFaults({ latencyMs: 1_000 });
    const started = await post(syncUrl);
    expect(started.status).toBe(303);
    const location = started.headers.get('location')!;
    expect(location).toMatch(/^\/console\/runs\/\S+$/);
    const runId = decodeURIComponent(location.split('/').at(-1)!);
    const runs = createRunStore(harness.redis, harness.prefix);
    expect(await runs.get(runId)).toMatchObject({ status: 'running', trigger: 'api' });

    const runPage = await fetch(`${server!.url}${location}`, { headers: { authorization: AUTH } });
    expect(runPage.status).toBe(200);
    expect(await runPage.text()).toContain('This run is still going');
    expect((await post(syncUrl)).status).toBe(409);

    const done = await waitFor(
      'the run to end',
      async () => {
        const report = await runs.get(runId);
        return report && report.status !== 'running' ? report : false;
      },
      45_000,
    );
    expect(done.status).toBe('completed');
    const byKey = simIdentitiesByKey(harness.sim);
    expect((byKey.get('E00001')?.traits.name as { last?: string }).last).toBe('Renamed');
    expect(byKey.get('E00003')?.state).toBe('inactive');
  });

  it('stops a run still going when the console closes: it ends failed and frees the source', async () => {
    const { harness, syncUrl, post } = await start();
    harness.sim.setFaults({ latencyMs: 1_000 });
    const started = await post(syncUrl);
    const runId = decodeURIComponent(started.headers.get('location')!.split('/').at(-1)!);
    await server!.app.close();
    server = undefined;
    const report = await createRunStore(harness.redis, harness.prefix).get(runId);
    expect(report?.status).toBe('failed');
    harness.sim.setFaults({});
    expect((await runFullSync(harness.ctx, 'hr', { trigger: 'cli' })).status).toBe('completed');
  });

  it('records who started a run: `by` in its report, on its page and on every audit entry it wrote', async () => {
    const { harness, syncUrl, post } = await start();
    const started = await post(syncUrl);
    expect(started.status).toBe(303);
    const location = started.headers.get('location')!;
    const runId = decodeURIComponent(location.split('/').at(-1)!);
    const runs = createRunStore(harness.redis, harness.prefix);
    const report = await waitFor(
      'the run to end',
      async () => {
        const stored = await runs.get(runId);
        return stored && stored.status !== 'running' ? stored : false;
      },
      45_000,
    );
    expect(report).toMatchObject({ status: 'completed', trigger: 'api', by: `console:${CONSOLE_USER}` });
    const audit = await readAuditForRun(harness.redis, harness.prefix, report);
    expect(audit.map((entry) => [entry.key, entry.action, entry.by]).sort()).toEqual([
      ['E00001', 'update', `console:${CONSOLE_USER}`],
      ['E00003', 'deactivate', `console:${CONSOLE_USER}`],
    ]);
    const page = await (
      await fetch(`${server!.url}${location}`, { headers: { authorization: AUTH } })
    ).text();
    expect(page).toMatch(/Started by<\/dt>\s*<dd>console:ops<\/dd>/);
    // A run no one started in the console names no one.
    const fromCli = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(fromCli.by).toBeUndefined();
    expect((await runs.get(fromCli.id))?.by).toBeUndefined();
  });

  it('takes the person lock for a Retry with the configured queue.lockDuration, not a fixed 30 s', async () => {
    const { harness, post } = await start({ queue: { lockDuration: '10m' } });
    harness.sim.setFaults({ latencyMs: 300 }); // the retry's Kratos calls take a while: the lock can be seen
    const lock = runtimeKeys(harness.prefix).personLock('hr', 'E00001');
    const retried = post(`${server!.url}/console/people/hr/E00001/sync`);
    const ttl = await waitFor('the person lock of the retry', async () => {
      const left = await harness.redis.pttl(lock);
      return left > 0 ? left : false;
    });
    expect((await retried).status).toBe(303);
    expect(ttl).toBeGreaterThan(60_000);
    expect(await harness.redis.exists(lock)).toBe(0); // released when done
  });

  it("records who retried a record: `by` on the change's audit entry", async () => {
    const { harness, post } = await start();
    const retried = await post(`${server!.url}/console/people/hr/E00001/sync`);
    expect(retried.status).toBe(303);
    const entries = await readAuditForPerson(harness.redis, harness.prefix, 'hr', 'E00001');
    expect(entries[0]).toMatchObject({ action: 'update', outcome: 'applied', by: `console:${CONSOLE_USER}` });
    // The first run (from the CLI) left its entry without one.
    expect(entries.at(-1)).toMatchObject({ action: 'create' });
    expect(entries.at(-1)!.by).toBeUndefined();
  });
});
