/**
 * The console of one node in a two-node Redis cluster shows both nodes: each node's connections and
 * the total on the Overview, and a member connected to the other node found from this one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import PusherServer from 'pusher';
import { launchChromium } from '../helpers/browser.js';
import { REDIS_URL, uniquePrefix } from '../helpers/cluster.js';
import { logIn, openPage, screenshot } from '../helpers/console-page.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const TOKEN = 'cluster-console-token-0123456789';
const APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' };

let a: TestServer;
let b: TestServer;
let browser: Browser;
let page: Page;
const sockets: RawClient[] = [];

before(async () => {
  const prefix = uniquePrefix();
  const node = () =>
    startHerald({
      adapter: { driver: 'redis', redisUrl: REDIS_URL, prefix, nodeTimeout: 10 },
      console: { enabled: true, port: 0, token: TOKEN },
    });
  a = await node();
  b = await node();
  browser = await launchChromium();
});

after(async () => {
  for (const s of sockets) s.ws.close();
  await browser?.close();
  await a?.close();
  await b?.close();
});

async function connect(server: TestServer, channel: string, user?: string): Promise<RawClient> {
  const c = await RawClient.open(server);
  sockets.push(c);
  const data: Record<string, unknown> = { channel };
  if (user) {
    const sdk = new PusherServer({ ...APP, appId: APP.id, host: '127.0.0.1', port: String(server.port) });
    Object.assign(
      data,
      sdk.authorizeChannel(c.socketId, channel, { user_id: user, user_info: { name: user } }),
    );
  }
  c.send({ event: 'pusher:subscribe', data });
  await c.next((f) => f.event === 'pusher_internal:subscription_succeeded');
  return c;
}

test('the Overview of node A shows node A, node B and their total', async () => {
  await connect(a, 'news');
  await connect(b, 'news');
  await connect(b, 'presence-room', 'bob');
  ({ page } = await logIn(browser, a.consolePort!, TOKEN));
  const table = page.locator('section#app-app-id [data-nodes] table');
  await table.waitFor({ timeout: 15_000 });
  const rows = table.locator('tbody tr');
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
      ).document.querySelectorAll('[data-nodes] tbody tr').length === 3,
  );
  const here = rows.filter({ hasText: '(this node)' });
  await here.locator('td:nth-child(2):text-is("1")').waitFor();
  const other = rows.filter({ hasNotText: '(this node)' }).filter({ hasNotText: 'total' });
  await other.locator('td:nth-child(2):text-is("2")').waitFor();
  await rows.filter({ hasText: 'total' }).locator('td:nth-child(2):text-is("3")').waitFor();
  assert.match((await other.textContent()) ?? '', new RegExp(b.herald.adapter.nodeId.slice(0, 8)));
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
      ).document.querySelectorAll('.chart canvas').length >= 3,
  );
  await screenshot(page, 'cluster-overview');
});

test('a member connected to node B is found from node A', async () => {
  await openPage(page, 'channels');
  await page.click('td:text-is("presence-room")');
  await page.waitForSelector('h3:text("Members (1)")');
  await page.click('td:text-is("bob")');
  const panel = page.locator('.panel', { hasText: 'User bob' });
  await panel.waitFor();
  assert.match((await panel.textContent()) ?? '', new RegExp(`node ${b.herald.adapter.nodeId.slice(0, 8)}`));
  await screenshot(page, 'cluster-user');
});
