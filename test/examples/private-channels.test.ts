/**
 * examples/private-channels in Chromium: with a good token the private, encrypted and presence channels
 * subscribe and sign-in works, and the backend's events (one encrypted, one through sendToUser) show in
 * their rows; the admin channel is refused visibly. With a wrong token every row shows the 403.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type RunningExample, startWithChromium } from './example-app.js';

let example: RunningExample;
let browser: Browser;

before(async () => {
  [example, browser] = await startWithChromium('private-channels');
});

after(async () => {
  await browser?.close();
  await example?.stop();
});

async function open(token: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 800, height: 460 } });
  await page.goto(`${example.url}/?token=${token}`);
  return page;
}

const state = (page: Page, row: string, text: string | RegExp) =>
  page.locator(`#${row} .state`, { hasText: text }).waitFor({ timeout: 10_000 });

test('a good token: every channel type works, the admin channel is refused, backend events arrive', async () => {
  const page = await open('alice-token');
  await state(page, 'private', 'subscribed');
  await state(page, 'encrypted', 'subscribed');
  await state(page, 'presence', 'subscribed (1 here, you are Alice)');
  await state(page, 'admin', 'refused: HTTP 403');
  await state(page, 'user', 'signed in as alice');

  await page.click('#ping');
  for (const row of ['private', 'encrypted', 'presence', 'user'])
    await page.locator(`#${row} .event`, { hasText: 'hello Alice' }).waitFor({ timeout: 10_000 });
  // The admin row never got an event: it was refused before any could arrive.
  assert.equal(await page.locator('#admin .event').textContent(), '—');
  await page.screenshot({ path: 'test-output/examples-private-channels.png' });
});

test('a wrong token: the auth endpoint answers 403 and every row shows it', async () => {
  const page = await open('stolen-token');
  for (const row of ['private', 'encrypted', 'presence', 'admin'])
    await state(page, row, 'refused: HTTP 403');
  await state(page, 'user', 'refused: HTTP 403');
  await page.screenshot({ path: 'test-output/examples-private-channels-refused.png' });
});

test('an admin token joins the admin channel', async () => {
  const page = await open('root-token');
  await state(page, 'admin', 'subscribed');
});
