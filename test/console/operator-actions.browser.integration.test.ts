import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditForPerson } from '../../src/store/audit-store.ts';
import { engineKeys } from '../../src/store/keys.ts';
import { createRunStore } from '../../src/store/run-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { waitFor } from '../queue/helpers.ts';
import { person, people, simIdentitiesByKey, startHarness, type Harness } from '../sync/engine-harness.ts';
import { openOperatorPage, type launchChromium } from './browser.ts';
import { CONSOLE_PASSWORD, CONSOLE_USER, startConsoleServer, withConsoleAuth } from './console-fixture.ts';

const SCREENSHOTS = path.resolve('test/output/console');

/**
 * The operator's everyday actions in Debian's Chromium: a full sync started from the console (preview, then
 * apply), its undo (confirmation with the plan, then apply), a quarantined record retried after the source
 * was fixed, and the People view. Real Redis, the simulator, the engine's own functions behind the buttons.
 */
describe('console operator actions in headless Chromium', { timeout: 120_000 }, () => {
  let harness: Harness;
  let server: { app: FastifyInstance; url: string };
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const dialogs: string[] = [];
  const lastName = (key: string) =>
    (simIdentitiesByKey(harness.sim).get(key)?.traits.name as { last?: string } | undefined)?.last;

  beforeAll(async () => {
    harness = await startHarness({
      api: 'v26',
      people: [...people(2), person(3, { email: 'not-an-email' }), ...people(3, 4)],
      source: { guard: { maxRemoveFraction: 1, maxRemoveCount: 100 } },
      config: { undo: { key: 'console-test-undo-key-0123456789abcdefghij' } },
    });
    expect((await runFullSync(harness.ctx, 'hr', { trigger: 'cli' })).quarantined.total).toBe(1);
    server = await startConsoleServer(withConsoleAuth(harness.ctx));
    ({ browser, page } = await openOperatorPage(
      { username: CONSOLE_USER, password: CONSOLE_PASSWORD },
      dialogs,
    ));
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await harness?.release();
  });

  it('starts a full sync: a preview that changes nothing, then the run', async () => {
    harness.writePeople([
      person(1, { last: 'Renamed', updated: '2026-05-01T00:00:00Z' }),
      person(2),
      person(3, { email: 'not-an-email' }),
      person(4),
      person(5),
      person(6, { status: 'terminated', updated: '2026-05-01T00:00:00Z' }),
    ]);
    const writesBefore = harness.writes();
    await page.goto(`${server.url}/console`);
    await page.getByRole('link', { name: 'Sync now…' }).click();
    await page.getByRole('heading', { name: /^Sync source/ }).waitFor();
    // Asking reads nothing; the preview (a dry run) is its own button.
    await expect(page.locator('main').innerText()).resolves.not.toMatch(/1 update/);
    await page.getByRole('button', { name: 'Preview the changes' }).click();
    await page.getByText('Preview (nothing changed)').waitFor();
    await expect(page.locator('main').innerText()).resolves.toMatch(/1 update, 1 deactivate/);
    expect(harness.writes()).toEqual(writesBefore);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'sync-preview.png'), fullPage: true });

    await page.getByRole('button', { name: 'Run the sync now' }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    expect(dialogs.at(-1)).toMatch(/^Run a full sync of source "hr" now/);
    // The harness's clock stands still, so the run is found by the page it redirected to. The start answers
    // at once; the run goes on in the console's process.
    const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    const runs = createRunStore(harness.redis, harness.prefix);
    // Ended once its report is stored and its lock given back: the report is saved a moment before the
    // lock is released, and the undo below takes that lock.
    const ended = await waitFor('the run to end', async () => {
      const report = await runs.get(runId);
      if (!report || report.status === 'running') return false;
      return (await harness.redis.exists(engineKeys(harness.prefix).syncLock('hr'))) ? false : report;
    });
    expect(ended).toMatchObject({ trigger: 'api', status: 'partial' }); // person 3 is still quarantined
    expect(lastName('E00001')).toBe('Renamed');
    expect(simIdentitiesByKey(harness.sim).get('E00006')?.state).toBe('inactive');
    await page.reload();
    await page.getByRole('link', { name: 'Undo this run…' }).waitFor();
  });

  it('undoes that run: a confirmation with the plan, then the undo run, audited with the operator', async () => {
    await page.getByRole('link', { name: 'Undo this run…' }).click();
    await page.getByRole('heading', { name: /^Undo run / }).waitFor();
    const confirmation = await page.locator('main').innerText();
    expect(confirmation).toMatch(/1 reactivate, 1 restore/);
    expect(lastName('E00001')).toBe('Renamed'); // the confirmation changed nothing
    // The before-images (department, admin metadata) are never shown, only kinds, keys and reasons.
    expect(await page.content()).not.toMatch(/engineering/i);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'undo-confirm.png'), fullPage: true });

    await page.getByRole('button', { name: 'Undo 2 changes' }).click();
    await page.getByText('This run undoes').waitFor();
    expect(dialogs.at(-1)).toMatch(/^Undo run \S+ of source "hr": 1 reactivate, 1 restore\?/);
    expect(lastName('E00001')).toBe('Last1');
    expect(simIdentitiesByKey(harness.sim).get('E00006')?.state).toBe('active');
    const audit = await readAuditForPerson(harness.redis, harness.prefix, 'hr', 'E00001', 1);
    expect(audit[0]).toMatchObject({ action: 'undo-restore', by: `console:${CONSOLE_USER}` });
    expect(await page.content()).not.toMatch(/engineering/i);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'undo-run.png'), fullPage: true });
  });

  it('retries a quarantined record once the source is fixed, and explains the person', async () => {
    harness.writePeople([...people(6)]);
    await page.goto(`${server.url}/console/quarantine`);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Synced from the source now: created').waitFor();
    expect(simIdentitiesByKey(harness.sim).get('E00003')?.state).toBe('active');
    await expect(page.locator('main').innerText()).resolves.toContain('person3@example.com');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'person.png'), fullPage: true });

    await page.getByRole('searchbox', { name: 'Person key or email' }).fill('person1@example.com');
    await page.getByRole('button', { name: 'Explain' }).click();
    const text = await page.locator('main').innerText();
    expect(text).toContain('E00001');
    expect(text).toMatch(/undo-restore/);
    expect(text).toContain('matched by the marker index');
  });
});
