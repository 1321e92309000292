import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with a fresh profile; closed (and the profile removed) by `close`. */
export async function launchChromium(options: {
  httpCredentials?: { username: string; password: string };
}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'ks-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    ...(options.httpCredentials ? { httpCredentials: options.httpCredentials } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * An operator's tab in the console: Chromium signed in with `credentials`, and one page that accepts every
 * confirm() dialog (the console asks before each action), recording its text in `dialogs`.
 */
export async function openOperatorPage(
  credentials: { username: string; password: string },
  dialogs: string[],
): Promise<{ browser: Awaited<ReturnType<typeof launchChromium>>; page: Page }> {
  const browser = await launchChromium({ httpCredentials: credentials });
  const page = await browser.context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
  return { browser, page };
}
