/**
 * The Apps page over the admin API, on a PostgreSQL app store: add an app and use its one-time
 * secret with the official SDK, disable it under a connected client (4003), rotate its secret with a
 * grace period, remove it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import PusherServer from 'pusher';
import { launchChromium } from '../helpers/browser.js';
import { logIn, openPage, screenshot } from '../helpers/console-page.js';
import { dropPgTable, PG_URL, uniqueName } from '../helpers/databases.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const TOKEN = 'apps-console-token-0123456789';
const table = uniqueName();

let server: TestServer;
let browser: Browser;
let page: Page;
/** The secret the app was created with, for the rotation's grace period. */
let firstSecret = '';

before(async () => {
  server = await startHerald({
    appStore: { driver: 'postgres', url: PG_URL, table },
    console: { enabled: true, port: 0, token: TOKEN },
  });
  browser = await launchChromium();
  ({ page } = await logIn(browser, server.consolePort!, TOKEN));
});

after(async () => {
  await browser?.close();
  await server?.close();
  await dropPgTable(table);
});

function sdk(key: string, secret: string): PusherServer {
  return new PusherServer({ appId: 'shop', key, secret, host: '127.0.0.1', port: String(server.port) });
}

async function secretShown(): Promise<string> {
  const box = page.locator('#one-time-secret .secret');
  await box.waitFor();
  return ((await box.textContent()) ?? '').trim();
}

test('an app added from the page works with the secret shown once', async () => {
  await openPage(page, 'apps');
  await page.waitForSelector('text=No apps yet');
  await screenshot(page, 'apps-empty');
  await page.fill('#app-id', 'shop');
  await page.fill('#app-key', 'shop-key');
  await page.check('#app-client-events');
  await page.click('#add-app button[type=submit]');
  const secret = await secretShown();
  assert.ok(secret.length >= 20);
  firstSecret = secret;
  await page.locator('tr[data-app="shop"]').waitFor();
  await screenshot(page, 'apps-added');
  const res = await sdk('shop-key', secret).trigger('orders', 'created', { n: 1 });
  assert.equal(res.status, 200);
  await page.click('#one-time-secret button');
  assert.equal(await page.locator('#one-time-secret').count(), 0, 'the secret is gone once dismissed');
  assert.doesNotMatch((await page.content()) ?? '', new RegExp(secret), 'and nowhere else on the page');
});

test('disable closes a connected client with 4003; enable lets it back', async () => {
  const client = await RawClient.open(server, `/app/shop-key?protocol=7&client=js&version=8.4.0`);
  await page.locator('tr[data-app="shop"] button', { hasText: 'Disable' }).click();
  const closed = await client.closed;
  assert.equal(closed.code, 4003);
  await page.locator('tr[data-app="shop"] .badge', { hasText: 'disabled' }).waitFor();
  await page.locator('tr[data-app="shop"] button', { hasText: 'Enable' }).click();
  await page.locator('tr[data-app="shop"] .badge', { hasText: 'enabled' }).waitFor();
  const again = await RawClient.open(server, `/app/shop-key?protocol=7&client=js&version=8.4.0`);
  again.ws.close();
});

test('rotate: the new secret is shown once, the old one keeps working through the grace period', async () => {
  const before = await sdk('shop-key', 'nope')
    .trigger('orders', 'x', {})
    .catch((e: { status?: number }) => e);
  assert.equal((before as { status?: number }).status, 401, 'a wrong secret is refused');
  await page.fill('input[aria-label="Grace seconds for shop"]', '600');
  await page.locator('tr[data-app="shop"] button', { hasText: 'Rotate secret' }).click();
  const fresh = await secretShown();
  assert.match((await page.textContent('#one-time-secret')) ?? '', /old secret is accepted until/);
  await page.locator('tr[data-app="shop"]', { hasText: 'accepted until' }).waitFor();
  await screenshot(page, 'apps-rotated');
  assert.equal((await sdk('shop-key', fresh).trigger('orders', 'created', {})).status, 200);
  assert.equal((await sdk('shop-key', firstSecret).trigger('orders', 'created', {})).status, 200);
});

test('remove takes a second click, then the app is gone', async () => {
  await page.locator('tr[data-app="shop"] button', { hasText: 'Remove' }).click();
  await page.locator('tr[data-app="shop"] button', { hasText: 'Confirm removal' }).click();
  await page.waitForSelector('text=App shop removed.');
  await page.waitForSelector('text=No apps yet');
  const refused = await RawClient.connect(server.wsUrl('/app/shop-key?protocol=7&client=js&version=8.4.0'));
  assert.equal(refused.first.event, 'pusher:error');
});
