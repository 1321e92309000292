import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { readAuditForPerson, readAuditForRun } from '../../src/store/audit-store.ts';
import { createRunStore } from '../../src/store/run-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { waitFor } from '../queue/helpers.ts';
import { people, person, startHarness, type Harness } from '../sync/engine-harness.ts';
import {
  basicAuth,
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  startConsoleServer,
  withConsoleAuth,
} from './console-fixture.ts';

const AUTH = basicAuth(CONSOLE_USER, CONSOLE_PASSWORD);

/** A full sync or a record retry started in the console says who started it: in the run report and the audit. */
describe('console: who started a run', { timeout: 60_000 }, () => {
  let harness: Harness | undefined;
  let server: { app: FastifyInstance; url: string } | undefined;
  afterEach(async () => {
    await server?.app.close();
    await harness?.release();
    server = harness = undefined;
  });

  async function start() {
    harness = await startHarness({ api: 'v26', people: people(3) });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    harness.writePeople([
      person(1, { last: 'Renamed', updated: '2026-05-01T00:00:00Z' }),
      person(2, { last: 'Moved', updated: '2026-05-01T00:00:00Z' }),
      person(3),
    ]);
    server = await startConsoleServer(withConsoleAuth(harness.ctx));
    const confirm = await fetch(`${server.url}/console/sources/hr/sync`, {
      headers: { authorization: AUTH },
    });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await confirm.text())?.[1];
    expect(csrf).toBeTruthy();
    const post = (path: string) =>
      fetch(`${server!.url}/console${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${encodeURIComponent(csrf!)}`,
      });
    return { harness, post };
  }

  it('a full sync started in the console records the operator as `by` in its report, its audit entries and its page', async () => {
    const { harness, post } = await start();
    const started = await post('/sources/hr/sync');
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
    expect(audit.map((entry) => [entry.key, entry.action, entry.by])).toEqual(
      expect.arrayContaining([
        ['E00001', 'update', `console:${CONSOLE_USER}`],
        ['E00002', 'update', `console:${CONSOLE_USER}`],
      ]),
    );
    expect(audit.every((entry) => entry.by === `console:${CONSOLE_USER}`)).toBe(true);
    const page = await (
      await fetch(`${server!.url}${location}`, { headers: { authorization: AUTH } })
    ).text();
    expect(page).toMatch(/Started by<\/dt>\s*<dd>console:ops<\/dd>/);

    // A run nobody started by hand says no one.
    const fromCli = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(fromCli.by).toBeUndefined();
    expect((await runs.get(fromCli.id))?.by).toBeUndefined();
  });

  it("a record retried in the console puts the operator on the change's audit entry", async () => {
    const { harness, post } = await start();
    const retried = await post('/people/hr/E00001/sync');
    expect(retried.status).toBe(303);
    const [latest] = await readAuditForPerson(harness.redis, harness.prefix, 'hr', 'E00001');
    expect(latest).toMatchObject({ action: 'update', outcome: 'applied', by: `console:${CONSOLE_USER}` });
    // The first run (from the CLI, no person named) left its entry without one.
    const all = await readAuditForPerson(harness.redis, harness.prefix, 'hr', 'E00001');
    expect(all.at(-1)).toMatchObject({ action: 'create' });
    expect(all.at(-1)!.by).toBeUndefined();
  });
});
