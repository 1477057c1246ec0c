/**
 * Driving the Herald Console in Chromium: logging in through its form, and screenshots kept under
 * test-output/console/ (ignored by git) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const SHOTS = fileURLToPath(new URL('../../../test-output/console/', import.meta.url));

export async function logIn(
  browser: Browser,
  consolePort: number,
  token: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${consolePort}/`);
  await page.waitForURL(/\/login$/);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('#nav a');
  return { context, page };
}

export async function openPage(page: Page, name: string): Promise<void> {
  await page.click(`#nav a[data-page="${name}"]`);
  await page.waitForSelector(`#nav a.active[data-page="${name}"]`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
