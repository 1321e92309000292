import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { failedJobAccessOf } from '../../src/http/console/failed-job-access.ts';
import { QUEUE_NAME } from '../../src/queue/runtime-keys.ts';
import { createRunStore } from '../../src/store/run-store.ts';
import type { RunReport } from '../../src/domain/run-report.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import {
  person,
  simIdentitiesByKey,
  startHarness,
  type Harness,
  type Person,
} from '../sync/engine-harness.ts';
import { launchChromium, openOperatorPage } from './browser.ts';
import { CONSOLE_PASSWORD, CONSOLE_USER, startConsoleServer, withConsoleAuth } from './console-fixture.ts';

const NAMES = [
  ['Ada', 'Lovelace'],
  ['Grace', 'Hopper'],
  ['Alan', 'Turing'],
  ['Katherine', 'Johnson'],
  ['Edsger', 'Dijkstra'],
  ['Barbara', 'Liskov'],
  ['Donald', 'Knuth'],
  ['Margaret', 'Hamilton'],
  ['Ken', 'Thompson'],
  ['Frances', 'Allen'],
  ['Dennis', 'Ritchie'],
  ['Radia', 'Perlman'],
  ['John', 'Backus'],
  ['Hedy', 'Lamarr'],
  ['Tim', 'Berners-Lee'],
  ['Annie', 'Easley'],
  ['Claude', 'Shannon'],
] as const;

function staff(n: number, overrides: Partial<Person> = {}): Person {
  const [first, last] = NAMES[n - 1]!;
  const email = `${first}.${last}@example.com`.toLowerCase();
  return person(n, { first, last, email, ...overrides });
}

const SCREENSHOTS = path.resolve('test/output/console');
const HOUR = 3_600_000;

/**
 * The console end to end: real Redis, the Kratos simulator, a real sync history written by the engine, and
 * Debian's Chromium clicking through the pages as an operator would.
 */
describe('operations console in headless Chromium', () => {
  let harness: Harness;
  let server: { app: FastifyInstance; url: string };
  let browser: { context: BrowserContext; close(): Promise<void> };
  let queue: Queue;
  let queueRedis: Redis;
  let page: Page;
  const runs: RunReport[] = [];
  let heldRun: RunReport;
  let failedJobId: string;
  /** Everyone hired in the history below (1–16 at first, 17 later); 17 has a broken email. */
  let roster: Person[];
  /** Questions the console script asked before a POST (every one is accepted). */
  const dialogs: string[] = [];

  async function sync(advanceMs: number): Promise<RunReport> {
    harness.clock.now = new Date(harness.clock.now.getTime() + advanceMs);
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    runs.push(report);
    return report;
  }

  beforeAll(async () => {
    roster = Array.from({ length: 16 }, (_, i) => staff(i + 1));
    // Claude's first record has a broken address: quarantined until the source fixes it (run 4).
    const broken = staff(17, { email: 'claude.shannon(at)example.com' });
    harness = await startHarness({
      api: 'v26',
      people: [...roster, broken],
      start: '2026-11-23T06:00:00Z',
      source: {
        leaver: { policy: 'delete', graceDays: 1, when: 'status = "terminated"' },
        guard: { maxRemoveFraction: 0.5, maxRemoveCount: 3 },
      },
    });
    // A day of history: first load, a name change, a leaver, a new hire, then a mass removal.
    expect((await sync(0)).counts.create?.applied).toBe(16);
    roster[2] = { ...roster[2]!, department: 'Research', updated: '2026-11-23T09:00:00Z' };
    harness.writePeople([...roster, broken]);
    expect((await sync(3 * HOUR)).counts.update?.applied).toBe(1);
    expect((await sync(6 * HOUR)).unchanged).toBe(16);
    await sync(6 * HOUR);
    roster[15] = { ...roster[15]!, status: 'terminated', updated: '2026-11-24T06:00:00Z' };
    harness.writePeople([...roster, broken]);
    expect((await sync(9 * HOUR)).counts.deactivate?.applied).toBe(1);
    roster.push(staff(17));
    roster[5] = { ...roster[5]!, last: 'Liskov-Smith', updated: '2026-11-25T06:00:00Z' };
    harness.writePeople([...roster]);
    expect((await sync(20 * HOUR)).counts.create?.applied).toBe(1);
    // Quiet runs before the leaver's grace period ends (2026-11-25 06:00).
    await sync(HOUR);
    expect((await sync(2 * HOUR)).counts).toEqual({});
    // Six people vanish from the export while the leaver's grace period ends: 7 removals, over the guard.
    harness.writePeople(roster.filter((_, i) => i < 9 || i >= 15));
    heldRun = await sync(26 * HOUR);
    expect(heldRun.status).toBe('held');
    expect(heldRun.guard.held).toBe(7);

    queueRedis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE_NAME, { connection: queueRedis, prefix: harness.prefix });
    failedJobId = await failOneJob(queue, harness.prefix);

    server = await startConsoleServer(withConsoleAuth(harness.ctx), failedJobAccessOf(queue));
    ({ browser, page } = await openOperatorPage(
      { username: CONSOLE_USER, password: CONSOLE_PASSWORD },
      dialogs,
    ));
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await queue?.close();
    queueRedis?.disconnect();
    await harness?.release();
  });

  it('shows the recent runs with their counts, outcome and a chart of changes', async () => {
    await page.goto(`${server.url}/console`);
    await expect(page.title()).resolves.toContain('Overview');
    const table = page.locator('section.card', { hasText: 'Source hr' }).locator('table');
    const rows = table.locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(9);
    // Newest first: the held run, two quiet runs, the new hire's run (1 created, 1 updated), the leaver's.
    await expect(rows.nth(0).locator('.badge').innerText()).resolves.toBe('held · 7 removals');
    await expect(rows.nth(1).locator('.badge').innerText()).resolves.toBe('completed');
    const cells = (row: number) => rows.nth(row).locator('td.num').allInnerTexts();
    expect(await cells(1)).toEqual(['0', '0', '0', '0', '0', '0', expect.stringMatching(/ms|s$/)]);
    expect((await cells(3)).slice(0, 6)).toEqual(['1', '1', '0', '0', '0', '0']);
    expect((await cells(4)).slice(0, 6)).toEqual(['0', '0', '1', '0', '1', '0']);
    expect((await cells(8)).slice(0, 6)).toEqual(['16', '0', '0', '0', '1', '0']);
    // One bar per run, each linking to its run with its counts in the tooltip.
    const bars = page.locator('figure.chart svg a');
    expect(await bars.count()).toBe(9);
    await expect(bars.first().locator('title').textContent()).resolves.toContain('created 16');
    await expect(page.locator('.notice.warn').innerText()).resolves.toContain('1 run is held');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview.png'), fullPage: true });
    if (process.env.UPDATE_CONSOLE_SCREENSHOT) {
      mkdirSync('docs', { recursive: true });
      copyFileSync(path.join(SCREENSHOTS, 'overview.png'), 'docs/console.png');
    }
  });

  it("shows a run's plan: who is created and updated (which fields), and why", async () => {
    await page.goto(`${server.url}/console`);
    await page.locator('section.card table tbody tr').nth(3).locator('a').click();
    await page.waitForURL(/\/console\/runs\//);
    const plan = page.locator('section.card', { has: page.locator('h2', { hasText: /^Plan$/ }) });
    const create = plan.locator('tbody tr', { hasText: 'E00017' });
    await expect(create.locator('.badge').first().innerText()).resolves.toBe('create');
    await expect(create.innerText()).resolves.toContain('Claude Shannon');
    await expect(create.innerText()).resolves.toContain('claude.shannon@example.com');
    const update = plan.locator('tbody tr', { hasText: 'E00006' });
    await expect(update.locator('.badge').first().innerText()).resolves.toBe('update');
    await expect(update.locator('.chip').allInnerTexts()).resolves.toContain('traits.name.last');
    // The audit trail of the same run lists both changes as applied.
    const audit = page.locator('section.card', { hasText: 'Audit trail' }).locator('tbody tr');
    expect(await audit.count()).toBe(2);
    await expect(audit.allInnerTexts()).resolves.toEqual(
      expect.arrayContaining([expect.stringMatching(/E00017[\s\S]*create[\s\S]*applied/)]),
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run.png'), fullPage: true });
  });

  it('shows a quarantined record with its reason, on the run and across runs', async () => {
    await page.goto(`${server.url}/console/runs/${encodeURIComponent(runs[0]!.id)}`);
    const onRun = page.locator('section.card', { hasText: 'Quarantined records' }).locator('tbody tr');
    await expect(onRun.innerText()).resolves.toMatch(/E00017[\s\S]*traits\.email[\s\S]*format/);
    await page.getByRole('link', { name: 'Quarantine' }).click();
    await page.waitForURL(/\/console\/quarantine$/);
    const row = page.locator('tbody tr', { hasText: 'E00017' });
    await expect(row.innerText()).resolves.toMatch(/traits\.email[\s\S]*is not a valid email/);
    // Quarantined in every run until the new hire's (which had the fixed address): one row, 5 runs.
    await expect(row.locator('td.num').innerText()).resolves.toBe('5');
    await expect(row.locator('.badge').last().innerText()).resolves.toBe('fixed since');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'quarantine.png'), fullPage: true });
  });

  it('rejects a held run, then approves the next one and the removals reach Kratos', async () => {
    const vanished = ['E00010', 'E00011', 'E00012', 'E00013', 'E00014', 'E00015'];
    const before = simIdentitiesByKey(harness.sim);
    const leaverId = before.get('E00016')!.id;
    await page.goto(`${server.url}/console/held`);
    const card = page.locator('section.card', { hasText: 'removals held' });
    expect(await card.locator('tbody tr').count()).toBe(7);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'held.png'), fullPage: true });
    // Removals carry no names in the plan; the page reads them from Kratos.
    await expect(card.locator('tbody tr', { hasText: 'E00012' }).innerText()).resolves.toContain(
      'Radia Perlman',
    );
    // A form posted from this signed-in browser without the page's CSRF token is refused.
    const [refused] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/approve')),
      page.evaluate((action) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        document.body.append(form);
        form.submit();
      }, `/console/runs/${heldRun.id}/approve`),
    ]);
    expect(refused.status()).toBe(403);
    await page.getByRole('heading', { name: 'Refused' }).waitFor();
    expect((await createRunStore(harness.redis, harness.prefix).get(heldRun.id))?.status).toBe('held');
    await page.goBack();
    await card.getByRole('button', { name: 'Reject' }).click();
    // Same URL after the redirect: the page's new content is what says the POST went through.
    await page.getByText('No run is held for approval.').waitFor();
    expect(dialogs.at(-1)).toMatch(/^Reject the held removals of source "hr"\?/);
    expect((await createRunStore(harness.redis, harness.prefix).get(heldRun.id))?.status).toBe('rejected');
    for (const key of vanished) expect(simIdentitiesByKey(harness.sim).get(key)?.state).toBe('active');

    // The next run plans the same removals and is held again: approve it in the console.
    const again = await sync(HOUR);
    expect(again.status).toBe('held');
    await page.reload();
    await page.getByRole('button', { name: 'Approve 7 removals' }).click();
    // Same URL after the redirect: the page's new content is what says the POST went through.
    await page.getByText('No run is held for approval.').waitFor();
    expect(dialogs.at(-1)).toMatch(/^Apply 7 held removals of source "hr"\?/);
    const after = simIdentitiesByKey(harness.sim);
    for (const key of vanished) expect(after.get(key)?.state).toBe('inactive');
    expect(after.get('E00001')?.state).toBe('active');
    expect(harness.sim.identity(leaverId)).toBeUndefined();

    await page.goto(`${server.url}/console/runs/${encodeURIComponent(again.id)}`);
    await expect(page.locator('.notice.ok').innerText()).resolves.toMatch(
      /approved[\s\S]*7 applied, 0 failed, 0 skipped/,
    );
    await expect(page.locator('h1 .badge').innerText()).resolves.toBe('completed');
  });

  it('finds offboarding receipts by key, email and name', async () => {
    await page.goto(`${server.url}/console/receipts`);
    const search = async (q: string) => {
      await page.getByRole('searchbox').fill(q);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((url) => url.searchParams.get('q') === q);
      return page.locator('section.card tbody tr');
    };
    let rows = await search('E00016');
    expect(await rows.count()).toBe(1);
    await expect(rows.first().innerText()).resolves.toMatch(/E00016[\s\S]*deleted/);
    rows = await search('radia.perlman@example.com');
    expect(await rows.count()).toBe(1);
    await expect(rows.first().innerText()).resolves.toMatch(/E00012[\s\S]*Radia Perlman[\s\S]*offboarded/);
    rows = await search('hopper');
    await expect(page.getByText('No receipt matches.')).toBeDefined();
    expect(await rows.count()).toBe(0);
    rows = await search('Hedy');
    expect(await rows.count()).toBe(1);
    await expect(rows.first().innerText()).resolves.toContain('E00014');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'receipts.png'), fullPage: true });
  });

  it('retries a failed job with the Retry button', async () => {
    await page.getByRole('link', { name: 'Failed jobs' }).click();
    const row = page.locator('tbody tr', { hasText: failedJobId });
    await expect(row.innerText()).resolves.toMatch(
      /offboard\.person[\s\S]*source hr · E00002[\s\S]*no marker/,
    );
    expect(await queue.getJobState(failedJobId)).toBe('failed');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'failed-jobs.png'), fullPage: true });
    await row.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL((url) => url.searchParams.get('retried') === failedJobId);
    await page.getByText('No failed job.').waitFor();
    expect(await queue.getJobState(failedJobId)).toBe('waiting');
  });

  it('refuses a browser without credentials', async () => {
    const anonymous = await launchChromium({});
    try {
      const tab = await anonymous.context.newPage();
      const answered = tab.waitForResponse(`${server.url}/console`);
      // Headless Chromium has no one to ask for a password: the navigation ends in an auth error.
      await expect(tab.goto(`${server.url}/console`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const response = await answered;
      expect(response.status()).toBe(401);
      expect(response.headers()['www-authenticate']).toMatch(/^Basic realm=/);
    } finally {
      await anonymous.close();
    }
  });
});

/** One job that fails for good on a real worker, as a refused offboarding would. */
async function failOneJob(queue: Queue, prefix: string): Promise<string> {
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUE_NAME,
    async () => {
      throw new UnrecoverableError('SYNC_ERR_NOT_MANAGED: identity carries no marker of source "hr"');
    },
    { connection, prefix },
  );
  try {
    const failed = new Promise<string>((resolve) => worker.on('failed', (job) => resolve(job?.id ?? '')));
    const job = await queue.add('offboard.person', { source: 'hr', key: 'E00002' }, { attempts: 1 });
    expect(await failed).toBe(job.id);
    return job.id!;
  } finally {
    await worker.close();
    connection.disconnect();
  }
}
