/**
 * permessage-deflate on: Chromium negotiates compression, pusher-js's Node build does not, so one
 * broadcast goes out compressed to some recipients and as prepared raw frames to others. Both kinds of
 * client must get every event, in order, byte-identical after decoding, and client events both ways.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type AppServer, launchChromium, serveApp } from '../helpers/browser.js';
import { pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from '../scenarios/inbox.js';

let herald: TestServer;
let app: AppServer;
let browser: Browser;
let node: PusherJs;

const PAGE = (port: number) => `<!doctype html><html><body><script src="/pusher.js"></script><script>
  window.seq = []; window.whispers = [];
  const pusher = new Pusher('app-key', {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: ${port}, forceTLS: false, enabledTransports: ['ws'],
    channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax' },
  });
  const ch = pusher.subscribe('private-deflate');
  ch.bind('pusher:subscription_succeeded', () => { window.ready = true; });
  ch.bind('tick', (d) => window.seq.push(d));
  ch.bind('client-note', (d) => window.whispers.push(d));
  window.note = (n) => ch.trigger('client-note', { n, from: 'browser' });
</script></body></html>`;

before(async () => {
  herald = await startHerald({ perMessageDeflate: true });
  const sdk = sdkFor(herald);
  app = await serveApp({
    pusherJs: 'pusher.min.js',
    page: () => PAGE(herald.port),
    authorize: (socketId, channel) => sdk.authorizeChannel(socketId, channel),
  });
  browser = await launchChromium();
});

after(async () => {
  node?.disconnect();
  await browser?.close();
  app?.close();
  await herald?.close();
});

test('compressed (Chromium) and uncompressed (Node) subscribers get the same 30 events in order', async () => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${app.port}/`);
  await page.waitForFunction('window.ready === true', undefined, { timeout: 10_000 });
  node = pusherClient(herald);
  const inbox = new Inbox();
  record(node, 'private-deflate', inbox, ['pusher:subscription_succeeded', 'tick', 'client-note']);
  await inbox.event('private-deflate', 'pusher:subscription_succeeded');

  const sdk = sdkFor(herald);
  const payload = (n: number) => ({ n, text: `ünïcödé ${'compressible '.repeat(400)}`, noise: Math.sin(n) });
  for (let n = 0; n < 30; n++) await sdk.trigger('private-deflate', 'tick', payload(n));
  await page.waitForFunction('window.seq.length === 30', undefined, { timeout: 10_000 });
  const seen = (await page.evaluate('window.seq')) as unknown[];
  assert.deepEqual(
    seen,
    Array.from({ length: 30 }, (_, n) => payload(n)),
  );
  for (let n = 0; n < 30; n++) {
    assert.deepEqual((await inbox.event('private-deflate', 'tick')).data, payload(n));
  }

  // Client events: browser → Node and Node → browser.
  await page.evaluate('window.note(1)');
  assert.deepEqual((await inbox.event('private-deflate', 'client-note')).data, { n: 1, from: 'browser' });
  node.channel('private-deflate')!.trigger('client-note', { n: 2, from: 'node' });
  await page.waitForFunction('window.whispers.length === 1', undefined, { timeout: 10_000 });
  assert.deepEqual(await page.evaluate('window.whispers[0]'), { n: 2, from: 'node' });
  await page.close();
});
