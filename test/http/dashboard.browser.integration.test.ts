import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../console/browser.ts';
import { startHttpFixture } from './http-fixture.ts';

let fixture: Awaited<ReturnType<typeof startHttpFixture>> | undefined;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await fixture?.close();
  fixture = undefined;
});

// The security headers must not break bull-board's own page: its scripts load from its static folder, and
// in read-only mode it shows jobs without the buttons that would change them.
describe('the queue dashboard in Chromium', { timeout: 90_000 }, () => {
  it('renders under its Content-Security-Policy, showing the queue and no add/retry/clean buttons', async () => {
    fixture = await startHttpFixture({ http: { auth: { username: 'ops', password: 'dashboard-pass-123' } } });
    await fixture.queue.add('person.sync', { x: 1 }, { delay: 3_600_000 });
    await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = fixture.app.server.address() as { port: number };
    browser = await launchChromium({ httpCredentials: { username: 'ops', password: 'dashboard-pass-123' } });
    const page = await browser.context.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text()) && /script/i.test(message.text()))
        blocked.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${port}/admin/queues/queue/jobs?status=delayed`);
    await page.getByText('person.sync').first().waitFor({ timeout: 30_000 });
    expect(blocked).toEqual([]);
    const buttons = (await page.getByRole('button').allInnerTexts()).join(' | ');
    expect(buttons).not.toMatch(/add job|retry|clean|promote|empty|obliterate/i);
  });
});
