/**
 * A console page outlives a Herald restart: the feed reconnects by itself to the new process (same
 * port, same configured token) and shows what happens there; with a generated token, the restarted
 * Herald has a new one and the page goes back to the login form.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { logIn, openPage } from '../helpers/console-page.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const TOKEN = 'restart-console-token-0123456789';

let server: TestServer;
let browser: Browser;
let page: Page;
let consolePort: number;

before(async () => {
  server = await startHerald({ console: { enabled: true, port: 0, token: TOKEN } });
  consolePort = server.consolePort!;
  browser = await launchChromium();
  ({ page } = await logIn(browser, consolePort, TOKEN));
  await openPage(page, 'log');
  await page.waitForSelector('.conn.live');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the feed comes back after a restart and shows the new process', async () => {
  const firstNode = server.herald.adapter.nodeId;
  await server.close();
  await page.waitForSelector('.conn.down');
  server = await startHerald({ console: { enabled: true, port: consolePort, token: TOKEN } });
  const secondNode = server.herald.adapter.nodeId;
  assert.notEqual(secondNode, firstNode);
  await page.waitForSelector(`.conn.live:text("${secondNode.slice(0, 8)}")`, { timeout: 20_000 });
  const client = await RawClient.open(server);
  await page.locator('tr[data-kind="connect"]', { hasText: client.socketId }).waitFor();
  client.ws.close();
});

test('a generated token changes with the restart: the page returns to the login form', async () => {
  await server.close();
  server = await startHerald({ console: { enabled: true, port: consolePort } });
  assert.equal(server.herald.console?.generated, true);
  await page.waitForURL(/\/login$/, { timeout: 20_000 });
});
