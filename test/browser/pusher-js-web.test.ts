/**
 * The pusher-js web build in a real browser (Debian's Chromium through playwright-core): public and
 * presence channels, with the app's auth endpoint served by a small HTTP server signing with the SDK.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import PusherServer from 'pusher';
import { type AppServer, launchChromium, serveApp } from '../helpers/browser.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let herald: TestServer;
let app: AppServer;
let browser: Browser;
let sdk: PusherServer;

const PAGE = (
  port: number,
  user: string,
) => `<!doctype html><html><body><script src="/pusher.js"></script><script>
  window.received = [];
  window.members = null;
  const pusher = new Pusher('app-key', {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: ${port}, forceTLS: false, enabledTransports: ['ws'],
    channelAuthorization: { endpoint: '/pusher/auth?user=${user}', transport: 'ajax' },
  });
  pusher.subscribe('browser-news').bind('headline', (d) => window.received.push(d));
  const room = pusher.subscribe('presence-lobby');
  room.bind('pusher:subscription_succeeded', (m) => { window.members = m.count; });
  room.bind('pusher:member_added', () => { window.members = room.members.count; });
  room.bind('pusher:member_removed', () => { window.members = room.members.count; });
</script></body></html>`;

before(async () => {
  herald = await startHerald();
  sdk = new PusherServer({
    appId: 'app-id',
    key: 'app-key',
    secret: 'app-secret',
    host: '127.0.0.1',
    port: String(herald.port),
    useTLS: false,
  });
  app = await serveApp({
    pusherJs: 'pusher.min.js',
    page: (user) => PAGE(herald.port, user),
    authorize: (socketId, channel, user) =>
      sdk.authorizeChannel(socketId, channel, { user_id: user, user_info: { name: user } }),
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  app?.close();
  await herald?.close();
});

async function openPage(user: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${app.port}/?user=${user}`);
  return page;
}

test('two browser tabs: presence counts both users, an SDK event reaches the page, a closed tab leaves', async () => {
  const alice = await openPage('alice');
  await alice.waitForFunction(
    () => (globalThis as unknown as { members: number | null }).members === 1,
    null,
    {
      timeout: 10_000,
    },
  );
  const bob = await openPage('bob');
  await bob.waitForFunction(() => (globalThis as unknown as { members: number | null }).members === 2, null, {
    timeout: 10_000,
  });
  await alice.waitForFunction(
    () => (globalThis as unknown as { members: number | null }).members === 2,
    null,
    {
      timeout: 10_000,
    },
  );

  await sdk.trigger('browser-news', 'headline', { title: 'hello browser' });
  const got = await alice.waitForFunction(
    () => (globalThis as unknown as { received: unknown[] }).received[0],
    null,
    { timeout: 10_000 },
  );
  assert.deepEqual(await got.jsonValue(), { title: 'hello browser' });

  await bob.close();
  await alice.waitForFunction(
    () => (globalThis as unknown as { members: number | null }).members === 1,
    null,
    {
      timeout: 10_000,
    },
  );
  await alice.close();
});
