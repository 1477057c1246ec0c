/**
 * End-to-end encryption in a real browser: pusher-js's with-encryption web build in Chromium, the app's
 * auth endpoint signing with the `pusher` SDK configured with a master key (so it hands out the channel's
 * shared secret), and the SDK publishing encrypted events. Two browser users on a presence channel for
 * the chat room and a private-encrypted channel for its messages; whispers on a private channel.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import PusherServer from 'pusher';
import { type AppServer, launchChromium, serveApp } from '../helpers/browser.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

let herald: TestServer;
let app: AppServer;
let browser: Browser;
let sdk: PusherServer;

const PAGE = (
  port: number,
  user: string,
) => `<!doctype html><html><body><script src="/pusher.js"></script><script>
  window.log = [];
  const pusher = new Pusher('app-key', {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: ${port}, forceTLS: false, enabledTransports: ['ws'],
    channelAuthorization: { endpoint: '/pusher/auth?user=${user}', transport: 'ajax' },
  });
  const vault = pusher.subscribe('private-encrypted-room-1');
  vault.bind('pusher:subscription_succeeded', () => log.push(['vault-ready']));
  vault.bind('message', (d) => log.push(['message', d]));
  const room = pusher.subscribe('presence-room-1');
  room.bind('pusher:subscription_succeeded', (m) => log.push(['here', m.count]));
  room.bind('pusher:member_added', (m) => log.push(['joined', m.id]));
  const typing = pusher.subscribe('private-room-1');
  typing.bind('pusher:subscription_succeeded', () => log.push(['typing-ready']));
  typing.bind('client-typing', (d) => log.push(['typing', d]));
  window.whisper = () => typing.trigger('client-typing', { user: '${user}' });
  window.whisperEncrypted = () => { try { vault.trigger('client-x', {}); return 'sent'; } catch (e) { return 'refused'; } };
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
    encryptionMasterKeyBase64: MASTER_KEY,
  });
  app = await serveApp({
    pusherJs: 'pusher-with-encryption.min.js',
    page: (user) => PAGE(herald.port, user),
    authorize: (socketId, channel, user) =>
      sdk.authorizeChannel(
        socketId,
        channel,
        channel.startsWith('presence-') ? { user_id: user, user_info: { name: user } } : (undefined as never),
      ),
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  app?.close();
  await herald?.close();
});

type Entry = [string, unknown?];

async function open(user: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${app.port}/?user=${user}`);
  await waitLog(page, (log) =>
    ['vault-ready', 'typing-ready', 'here'].every((k) => log.some((e) => e[0] === k)),
  );
  return page;
}

async function waitLog(page: Page, pred: (log: Entry[]) => boolean): Promise<Entry[]> {
  // The predicate is shipped as source: it must not close over anything.
  await page.waitForFunction(`(${pred.toString()})(window.log || [])`, undefined, { timeout: 10_000 });
  return (await page.evaluate('window.log')) as Entry[];
}

test('encrypted messages decrypt in two browsers; the wire and a raw listener carry only ciphertext', async () => {
  const ada = await open('ada');
  const bob = await open('bob');
  await waitLog(ada, (log) => log.some((e) => e[0] === 'joined' && e[1] === 'bob'));

  const raw = await RawClient.open(herald);
  const sub = await raw.subscribe('private-encrypted-room-1', {
    auth: sdk.authorizeChannel(raw.socketId, 'private-encrypted-room-1').auth,
  });
  assert.equal(
    sub.raw,
    '{"event":"pusher_internal:subscription_succeeded","channel":"private-encrypted-room-1","data":"{}"}',
  );

  const text = `Grüße 👋 ${'секрет '.repeat(300)}`;
  await sdk.trigger('private-encrypted-room-1', 'message', { from: 'server', text });
  for (const page of [ada, bob]) {
    const log = await waitLog(page, (l) => l.some((e) => e[0] === 'message'));
    assert.deepEqual(log.find((e) => e[0] === 'message')![1], { from: 'server', text });
  }
  const wire = await raw.nextEvent('message', 'private-encrypted-room-1');
  const payload = JSON.parse(wire.data as string) as Record<string, string>;
  assert.deepEqual(Object.keys(payload).sort(), ['ciphertext', 'nonce']);
  assert.ok(!(wire.raw.includes('Grüße') || wire.raw.includes('секрет')), 'plaintext on the wire');
  raw.close();

  // Whispers go over the private (not encrypted) channel; pusher-js refuses them on the encrypted one.
  await bob.evaluate('window.whisper()');
  const log = await waitLog(ada, (l) => l.some((e) => e[0] === 'typing'));
  assert.deepEqual(log.find((e) => e[0] === 'typing')![1], { user: 'bob' });
  assert.equal(await ada.evaluate('window.whisperEncrypted()'), 'refused');
  await ada.close();
  await bob.close();
});
