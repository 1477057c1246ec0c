/**
 * pusher-js's web build in Debian's Chromium on its HTTP transports, forced with `enabledTransports`
 * (`xhr_streaming`, then `xhr_polling`): public, private, presence and encrypted channels, client events
 * both ways with a WebSocket client, and sign-in with sendToUser. Then the real fallback: a page whose
 * WebSocket upgrade a proxy refuses connects through xhr_streaming without any client option.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type PusherServer from 'pusher';
import { type AppServer, launchChromium, serveApp } from '../helpers/browser.js';
import { connected, once, pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let herald: TestServer;
let app: AppServer;
let browser: Browser;
let sdk: PusherServer;
let proxy: Server;
let proxyPort: number;
const wsClients: PusherJs[] = [];

/** The page: `transport` forces one transport; without it pusher-js picks (and falls back) by itself. */
const PAGE = (heraldPort: number, user: string, query: URLSearchParams) => {
  const transport = query.get('transport');
  const port = Number(query.get('port') ?? heraldPort);
  const forced = transport ? `enabledTransports: ['${transport}'],` : '';
  return `<!doctype html><html><body><script src="/pusher.js"></script><script>
  window.log = [];
  const pusher = new Pusher('app-key', {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: ${port}, httpHost: '127.0.0.1', httpPort: ${port},
    forceTLS: false, disableStats: true, ${forced}
    channelAuthorization: { endpoint: '/pusher/auth?user=${user}', transport: 'ajax' },
    userAuthentication: { endpoint: '/pusher/user-auth?user=${user}', transport: 'ajax' },
  });
  pusher.connection.bind('connected', () => log.push(['connected', pusher.connection.connection.transport.name]));
  pusher.bind('pusher:signin_success', () => log.push(['signed-in']));
  pusher.user.bind('note', (d) => log.push(['note', d]));
  const news = pusher.subscribe('news');
  news.bind('pusher:subscription_succeeded', () => log.push(['news-ready']));
  news.bind('headline', (d) => log.push(['headline', d]));
  const chat = pusher.subscribe('private-chat');
  chat.bind('pusher:subscription_succeeded', () => log.push(['chat-ready']));
  chat.bind('client-from-ws', (d) => log.push(['whisper', d]));
  window.whisper = (d) => chat.trigger('client-from-browser', d);
  const lobby = pusher.subscribe('presence-lobby');
  lobby.bind('pusher:subscription_succeeded', (m) => log.push(['here', m.count]));
  lobby.bind('pusher:member_added', (m) => log.push(['joined', m.id]));
  const vault = pusher.subscribe('private-encrypted-vault');
  vault.bind('pusher:subscription_succeeded', () => log.push(['vault-ready']));
  vault.bind('secret', (d) => log.push(['secret', d]));
  pusher.signin();
</script></body></html>`;
};

before(async () => {
  herald = await startHerald({
    apps: [
      { id: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true, userAuthentication: true },
    ],
  });
  sdk = sdkFor(herald);
  app = await serveApp({
    pusherJs: 'pusher-with-encryption.min.js',
    page: (user, query) => PAGE(herald.port, user, query),
    authorize: (socketId, channel, user) =>
      sdk.authorizeChannel(
        socketId,
        channel,
        channel.startsWith('presence-') ? { user_id: user, user_info: { name: user } } : (undefined as never),
      ),
    authenticate: (socketId, user) => sdk.authenticateUser(socketId, { id: user }),
  });
  // A proxy in front of Herald that passes HTTP through and refuses every WebSocket upgrade, as a
  // corporate proxy or an old load balancer does.
  proxy = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: herald.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as AddressInfo).port;
  browser = await launchChromium();
});

after(async () => {
  for (const c of wsClients) c.disconnect();
  await browser?.close();
  app?.close();
  proxy?.closeAllConnections();
  proxy?.close();
  await herald?.close();
});

type Entry = [string, unknown?];

async function waitLog(page: Page, what: string, check: (log: Entry[]) => boolean, timeout = 15_000) {
  try {
    await page.waitForFunction(
      (src) => new Function('log', `return (${src})(log)`)((globalThis as unknown as { log: Entry[] }).log),
      check.toString(),
      { timeout },
    );
  } catch (err) {
    const log = await page.evaluate(() => (globalThis as unknown as { log: Entry[] }).log);
    throw new Error(`${what}: ${(err as Error).message}; log: ${JSON.stringify(log)}`);
  }
}

const has = (log: Entry[], kind: string) => log.some((e) => e[0] === kind);

async function openPage(query: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${app.port}/?${query}`);
  return page;
}

for (const transport of ['xhr_streaming', 'xhr_polling'] as const) {
  test(`Chromium on ${transport}: every channel kind, whispers with a WebSocket client, sign-in`, async () => {
    const user = `browser-${transport}`;
    const page = await openPage(`user=${user}&transport=${transport}`);
    await waitLog(page, 'ready', (log) =>
      ['news-ready', 'chat-ready', 'here', 'vault-ready', 'signed-in'].every((k) =>
        log.some((e) => e[0] === k),
      ),
    );
    const log = await page.evaluate(() => (globalThis as unknown as { log: Entry[] }).log);
    assert.deepEqual(
      log.find((e) => e[0] === 'connected'),
      ['connected', transport],
    );
    assert.ok(has(log, 'here'));

    await sdk.trigger('news', 'headline', { title: `via ${transport}` });
    await sdk.trigger('private-encrypted-vault', 'secret', { code: 42 });
    await sdk.sendToUser(user, 'note', { to: user });
    await waitLog(page, 'server events', (l) =>
      ['headline', 'secret', 'note'].every((k) => l.some((e) => e[0] === k)),
    );
    const got = await page.evaluate(() => (globalThis as unknown as { log: Entry[] }).log);
    assert.deepEqual(got.find((e) => e[0] === 'headline')?.[1], { title: `via ${transport}` });
    assert.deepEqual(got.find((e) => e[0] === 'secret')?.[1], { code: 42 });
    assert.deepEqual(got.find((e) => e[0] === 'note')?.[1], { to: user });

    // A WebSocket client (pusher-js's Node build) joins the room and whispers both ways.
    const ws = pusherClient(herald, { user: { id: `ws-${transport}` } });
    wsClients.push(ws);
    await connected(ws);
    const chat = ws.subscribe('private-chat');
    await once(chat, 'pusher:subscription_succeeded', 5000);
    await once(ws.subscribe('presence-lobby'), 'pusher:subscription_succeeded', 5000);
    await waitLog(page, 'member_added', (l) => l.some((e) => e[0] === 'joined'));
    const fromBrowser = once(chat, 'client-from-browser', 5000);
    await page.evaluate(() =>
      (globalThis as unknown as { whisper: (d: unknown) => void }).whisper({ hi: 'ws' }),
    );
    assert.deepEqual(await fromBrowser, { hi: 'ws' });
    assert.ok(chat.trigger('client-from-ws', { hi: 'browser' }));
    await waitLog(page, 'whisper', (l) => l.some((e) => e[0] === 'whisper'));
    const final = await page.evaluate(() => (globalThis as unknown as { log: Entry[] }).log);
    assert.deepEqual(final.find((e) => e[0] === 'whisper')?.[1], { hi: 'browser' });
    assert.deepEqual(final.find((e) => e[0] === 'joined')?.[1], `ws-${transport}`);
    ws.disconnect();
    await page.close();
  });
}

test('the real fallback: WebSocket upgrades refused by a proxy, pusher-js connects over xhr_streaming by itself', async () => {
  const page = await openPage(`user=fallback&port=${proxyPort}`);
  // pusher-js tries ws, then wss (2 s), then the HTTP transports (5 s).
  await waitLog(page, 'fallback', (log) => log.some((e) => e[0] === 'news-ready'), 30_000);
  const log = await page.evaluate(() => (globalThis as unknown as { log: Entry[] }).log);
  assert.deepEqual(
    log.find((e) => e[0] === 'connected'),
    ['connected', 'xhr_streaming'],
  );
  await sdk.trigger('news', 'headline', { title: 'through the proxy' });
  await waitLog(page, 'headline', (l) => l.some((e) => e[0] === 'headline'));
  await page.close();
});
