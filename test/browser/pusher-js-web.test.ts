/**
 * The pusher-js web build in a real browser (Debian's Chromium through playwright-core): public and
 * presence channels, with the app's auth endpoint served by a small HTTP server signing with the SDK.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import PusherServer from 'pusher';
import { startHerald, type TestServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const pusherJs = readFileSync(
  new URL('../../../node_modules/pusher-js/dist/web/pusher.min.js', import.meta.url),
  'utf8',
);

let herald: TestServer;
let appServer: Server;
let appPort: number;
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
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  herald = await startHerald();
  sdk = new PusherServer({
    appId: 'app-id',
    key: 'app-key',
    secret: 'app-secret',
    host: '127.0.0.1',
    port: String(herald.port),
    useTLS: false,
  });
  appServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/pusher.js') {
      res.writeHead(200, { 'Content-Type': 'application/javascript' }).end(pusherJs);
    } else if (url.pathname === '/pusher/auth') {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const user = url.searchParams.get('user') ?? 'anon';
        const auth = sdk.authorizeChannel(form.get('socket_id')!, form.get('channel_name')!, {
          user_id: user,
          user_info: { name: user },
        });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(auth));
      });
    } else {
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end(PAGE(herald.port, url.searchParams.get('user') ?? 'a'));
    }
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appPort = (appServer.address() as AddressInfo).port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
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
  });
});

after(async () => {
  await browser?.close();
  appServer?.close();
  await herald?.close();
});

async function openPage(user: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${appPort}/?user=${user}`);
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
