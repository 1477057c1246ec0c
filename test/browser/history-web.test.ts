/**
 * Resume in a real browser: the pusher-js web build in Debian's Chromium, signed in through the app's
 * user-authentication endpoint, loses its connection (the test cuts a TCP proxy between the page and
 * Herald) while 100 events are published; after the reconnect the page has every event once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type PusherServer from 'pusher';
import { type AppServer, launchChromium, serveApp } from '../helpers/browser.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

let herald: TestServer;
let proxy: TcpProxy;
let app: AppServer;
let browser: Browser;
let sdk: PusherServer;

const PAGE = (
  port: number,
  user: string,
) => `<!doctype html><html><body><script src="/pusher.js"></script><script>
  window.got = [];
  window.states = [];
  const pusher = new Pusher('app-key', {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: ${port}, forceTLS: false, enabledTransports: ['ws'],
    channelAuthorization: { endpoint: '/pusher/auth?user=${user}', transport: 'ajax' },
    userAuthentication: { endpoint: '/pusher/auth?user=${user}', transport: 'ajax' },
  });
  pusher.connection.bind('state_change', (s) => window.states.push(s.current));
  pusher.signin();
  const feed = pusher.subscribe('history-web');
  feed.bind('tick', (d) => window.got.push(d.n));
  feed.bind('pusher:subscription_succeeded', () => { window.subscribed = true; });
</script></body></html>`;

before(async () => {
  herald = await startHerald({
    apps: [
      {
        id: 'app-id',
        key: 'app-key',
        secret: 'app-secret',
        history: [{ channels: 'history-*', size: 500, ttlSeconds: 600, resumeSeconds: 60 } as never],
      },
    ],
  });
  sdk = sdkFor(herald);
  proxy = await TcpProxy.start(herald.port);
  app = await serveApp({
    pusherJs: 'pusher.min.js',
    page: (user) => PAGE(proxy.port, user),
    // One endpoint plays both of the app's: pusher-js posts no channel_name for a sign-in.
    authorize: (socketId, channel, user) =>
      channel ? sdk.authorizeChannel(socketId, channel) : sdk.authenticateUser(socketId, { id: user }),
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  app?.close();
  await proxy?.close();
  await herald?.close();
});

test('Chromium: 100 events published during a cut arrive after the reconnect, once and in order', async () => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${app.port}/?user=ivan`);
  await page.waitForFunction(
    () => (globalThis as unknown as { subscribed?: boolean }).subscribed === true,
    null,
    {
      timeout: 10_000,
    },
  );
  const got = () => page.evaluate(() => (globalThis as unknown as { got: number[] }).got);
  for (let n = 1; n <= 3; n++) await sdk.trigger('history-web', 'tick', { n });
  await page.waitForFunction(() => (globalThis as unknown as { got: number[] }).got.length === 3, null, {
    timeout: 10_000,
  });

  proxy.cut();
  await until('the server to see the drop', () => herald.herald.connectionCount === 0, 10_000);
  for (let n = 4; n <= 103; n++) await sdk.trigger('history-web', 'tick', { n });
  await new Promise((r) => setTimeout(r, 3000));
  proxy.restore();
  await page.waitForFunction(() => (globalThis as unknown as { got: number[] }).got.length >= 103, null, {
    timeout: 40_000,
  });
  await sdk.trigger('history-web', 'tick', { n: 104 });
  await page.waitForFunction(() => (globalThis as unknown as { got: number[] }).got.length >= 104, null, {
    timeout: 10_000,
  });
  assert.deepEqual(
    await got(),
    Array.from({ length: 104 }, (_, i) => i + 1),
  );
  const states = await page.evaluate(() => (globalThis as unknown as { states: string[] }).states);
  assert.ok(states.lastIndexOf('connected') > states.indexOf('connecting', 1), `a real reconnect: ${states}`);
  await page.close();
});
