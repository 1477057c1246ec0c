/**
 * The Herald Console in Debian's Chromium, against a real Herald: log in, watch a pusher-js client
 * connect and subscribe, send an event from the page to it, follow a failing webhook target to its
 * recovery, replay a dead letter from the page, and stay shut to another origin.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import PusherServer from 'pusher';
import { type AppServer, launchChromium, serveApp } from '../helpers/browser.js';
import { logIn, openPage, screenshot } from '../helpers/console-page.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const TOKEN = 'browser-console-token-0123456789';
const APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' };

let herald: TestServer;
let consolePort: number;
let receiver: WebhookReceiver;
let browser: Browser;
let page: Page;
const clients: InstanceType<typeof PusherJs>[] = [];

function pusherClient(): InstanceType<typeof PusherJs> {
  const c = new PusherJs(APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: herald.port,
    forceTLS: false,
    enabledTransports: ['ws'],
  });
  clients.push(c);
  return c;
}

/** The official server SDK, signing as the test app. */
function appSdk(): PusherServer {
  return new PusherServer({ ...APP, appId: APP.id, host: '127.0.0.1', port: String(herald.port) });
}

function connected(c: InstanceType<typeof PusherJs>): Promise<string> {
  return new Promise((resolve) => c.connection.bind('connected', () => resolve(c.connection.socket_id)));
}

before(async () => {
  receiver = await WebhookReceiver.start(APP);
  herald = await startHerald({
    console: { enabled: true, port: 0, token: TOKEN },
    webhooks: {
      batchWindowMs: 0,
      delayMs: 0,
      retryBaseMs: 150,
      retryMaxMs: 300,
      retryWindowMs: 6000,
      timeoutMs: 1000,
    },
    apps: [{ ...APP, clientEvents: true, webhooks: [{ url: receiver.url(), events: ['channel_occupied'] }] }],
  });
  consolePort = herald.consolePort!;
  browser = await launchChromium();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await browser?.close();
  await herald?.close();
  await receiver?.close();
});

test('nothing taps the event stream before a console page is open', () => {
  assert.equal(herald.herald.console?.tapping, false);
});

test('log in through the form; an empty console explains itself', async () => {
  ({ page } = await logIn(browser, consolePort, TOKEN));
  assert.match(await page.textContent('#conn').then((t) => t ?? ''), /live|connecting|reconnecting/);
  await page.waitForSelector('.conn.live');
  assert.equal(herald.herald.console?.tapping, true, 'an open page taps the stream');
  await openPage(page, 'log');
  await page.waitForSelector('text=Nothing yet');
  await screenshot(page, '01-log-empty');
  await openPage(page, 'channels');
  await page.waitForSelector('text=No occupied channels');
  await screenshot(page, '02-channels-empty');
});

test('a pusher-js client connects and subscribes, and the event log shows it', async () => {
  await openPage(page, 'log');
  const client = pusherClient();
  const socketId = await connected(client);
  const channel = client.subscribe('console-news');
  await new Promise<void>((resolve) => channel.bind('pusher:subscription_succeeded', () => resolve()));
  const connect = page.locator('tr[data-kind="connect"]', { hasText: socketId });
  const subscribe = page.locator('tr[data-kind="subscribe"]', { hasText: socketId });
  await connect.waitFor();
  await subscribe.waitFor();
  assert.match((await subscribe.textContent()) ?? '', /console-news/);
  await page.locator('tr[data-kind="occupied"]', { hasText: 'console-news' }).waitFor();
  // A refused subscription (a forged signature) shows with its reason.
  const raw = await RawClient.open(herald);
  raw.send({
    event: 'pusher:subscribe',
    data: { channel: 'private-secret', auth: `${APP.key}:${'0'.repeat(64)}` },
  });
  await raw.next((f) => f.event === 'pusher:subscription_error' || f.event === 'pusher:error');
  const refused = page.locator('tr[data-kind="subscribe_error"]', { hasText: 'private-secret' });
  await refused.waitFor();
  assert.match((await refused.textContent()) ?? '', /Invalid signature/i);
  raw.ws.close();
  await screenshot(page, '03-log-client');
});

test('an event from the event creator reaches the client, and the log shows it', async () => {
  const client = clients[0]!;
  const got = new Promise<unknown>((resolve) => client.channel('console-news').bind('from-console', resolve));
  await openPage(page, 'creator');
  await page.fill('#ec-channels', 'console-news');
  await page.fill('#ec-event', 'from-console');
  await page.fill('#ec-data', '{"hello":"from the console"}');
  await page.click('form.creator button[type=submit]');
  assert.deepEqual(await got, { hello: 'from the console' });
  await page.waitForSelector('text=Sent from-console to console-news');
  // The HTTP API's limits apply: an oversized payload is refused with its status and reason.
  await page.fill('#ec-data', 'x'.repeat(10_241));
  await page.click('form.creator button[type=submit]');
  await page.waitForSelector('text=Refused: HTTP 413');
  await screenshot(page, '04-creator');
  await openPage(page, 'log');
  await page.locator('tr[data-kind="api_message"]', { hasText: 'from-console' }).waitFor();
});

test('the log filters by channel prefix, and pauses and resumes', async () => {
  const sdk = appSdk();
  await openPage(page, 'log');
  await page.fill('input[aria-label="Channel prefix"]', 'console-');
  await page.click('form button:text("Apply filter")');
  await page.waitForSelector('text=Nothing yet');
  await sdk.trigger('elsewhere', 'filtered-out', {});
  await sdk.trigger('console-news', 'kept', {});
  const kept = page.locator('tr[data-kind="api_message"]', { hasText: 'kept' });
  await kept.waitFor();
  assert.equal(
    await page.locator('tr', { hasText: 'filtered-out' }).count(),
    0,
    'the other channel stays out',
  );
  await page.click('button:text("Pause")');
  await page.waitForSelector('text=Paused: 0 new entries held');
  await sdk.trigger('console-news', 'while-paused', {});
  await page.waitForSelector('text=/Paused: [1-9][0-9]* new/');
  assert.equal(await page.locator('tr', { hasText: 'while-paused' }).count(), 0);
  await screenshot(page, '05-log-paused');
  await page.click('button:text("Resume")');
  await page.locator('tr[data-kind="api_message"]', { hasText: 'while-paused' }).waitFor();
  await page.click('form button:text("Clear filter")');
  await page.waitForSelector('text=Nothing yet');
});

test('a failing webhook target shows its failed attempts, then succeeds after it recovers', async () => {
  receiver.mode = 503;
  receiver.answerBody = 'receiver down for maintenance';
  await openPage(page, 'webhooks');
  const client = clients[0]!;
  client.subscribe('hooked-1');
  const target = page.locator(`section[data-target="${receiver.url()}"]`);
  await target
    .locator('tr[data-outcome="failed"]', { hasText: 'receiver down for maintenance' })
    .first()
    .waitFor();
  assert.match((await target.textContent()) ?? '', /HTTP 503/);
  await target.locator('h3', { hasText: /Retries waiting \([1-9]\)/ }).waitFor();
  await screenshot(page, '06-webhooks-failing');
  receiver.mode = 200;
  receiver.answerBody = 'thanks';
  await target.locator('tr[data-outcome="sent"]', { hasText: 'thanks' }).first().waitFor({ timeout: 10_000 });
  const sent = receiver.accepted.flatMap((r) => r.events).filter((e) => e.channel === 'hooked-1');
  assert.equal(sent.length, 1, 'the retried batch was delivered once');
  await screenshot(page, '07-webhooks-recovered');
});

test('a dead letter is replayed from the page', async () => {
  receiver.mode = 500;
  receiver.answerBody = 'still broken';
  clients[0]!.subscribe('hooked-2');
  await openPage(page, 'webhooks');
  const dead = page.locator('#dead-letters tr[data-dead]');
  await dead.first().waitFor({ timeout: 15_000 });
  assert.equal(await dead.count(), 1);
  const deadId = await dead.first().getAttribute('data-dead');
  await screenshot(page, '08-webhooks-dead-letter');
  receiver.mode = 200;
  receiver.answerBody = 'ok';
  await dead.first().locator('button', { hasText: 'Replay' }).click();
  await receiver.waitFor('the replayed batch', () => receiver.accepted.some((r) => r.id === deadId));
  const replayed = receiver.accepted.find((r) => r.id === deadId)!;
  assert.equal(replayed.events[0]?.channel, 'hooked-2');
  await page.waitForSelector('text=Re-queued 1 batch');
  await page.waitForSelector('#dead-letters >> text=None');
});

test('another origin is refused even with the login cookie in the same browser', async () => {
  const other: AppServer = await serveApp({
    pusherJs: 'pusher.min.js',
    page: () =>
      `<!doctype html><html><body><iframe id="f" src="http://127.0.0.1:${consolePort}/"></iframe></body></html>`,
    authorize: () => ({}),
  });
  try {
    const evil = await page.context().newPage();
    const sent: string[] = [];
    evil.on('request', (r) => {
      if (r.url().includes('/api/publish')) sent.push(r.method());
    });
    await evil.goto(`http://127.0.0.1:${other.port}/`);
    // A same-site page (127.0.0.1, another port) posting to the console: the cookie goes along, the
    // Origin header gives it away.
    const watcher = await RawClient.open(herald);
    watcher.send({ event: 'pusher:subscribe', data: { channel: 'guarded' } });
    await watcher.next((f) => f.event === 'pusher_internal:subscription_succeeded');
    // The answer (a 403) is not even readable there: the browser blocks it, so the fetch fails.
    const outcome = await evil.evaluate(async (port) => {
      try {
        await fetch(`http://127.0.0.1:${port}/api/publish`, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'Content-Type': 'text/plain' },
          body: JSON.stringify({ app: 'app-id', name: 'forged', data: '{}', channels: ['guarded'] }),
        });
        return 'answered';
      } catch {
        return 'blocked';
      }
    }, consolePort);
    assert.deepEqual(sent, ['POST'], 'the forged request left the browser');
    assert.equal(outcome, 'blocked');
    // Nothing was published: a marker sent afterwards is the first event the channel sees.
    await page.evaluate(async () => {
      await fetch('/api/publish', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ app: 'app-id', name: 'marker', data: '{}', channels: ['guarded'] }),
      });
    });
    const first = await watcher.next((f) => f.channel === 'guarded');
    assert.equal(first.event, 'marker');
    watcher.ws.close();
    // Framing is refused too: the frame never shows the console.
    const frame = evil.frames().find((f) => f.url().includes(String(consolePort)));
    const framed = frame
      ? await frame
          .evaluate(
            () =>
              (globalThis as unknown as { document: { body?: { innerText: string } } }).document.body
                ?.innerText ?? '',
          )
          .catch(() => '')
      : '';
    assert.doesNotMatch(framed, /Herald Console/);
    await evil.close();
  } finally {
    other.close();
  }
});

test('a presence channel opens to its members, a member to their connections and channels', async () => {
  const sdk = appSdk();
  const alice = await RawClient.open(herald);
  const channel = 'presence-lobby';
  const auth = sdk.authorizeChannel(alice.socketId!, channel, {
    user_id: 'alice',
    user_info: { name: 'Alice' },
  });
  alice.send({ event: 'pusher:subscribe', data: { channel, ...auth } });
  await alice.next((f) => f.event === 'pusher_internal:subscription_succeeded');
  alice.send({ event: 'pusher:subscribe', data: { channel: 'alice-news' } });
  await alice.next((f) => f.event === 'pusher_internal:subscription_succeeded');
  await openPage(page, 'channels');
  await page.fill('input[aria-label="Channel prefix"]', 'presence-');
  await page.click('td:text-is("presence-lobby")');
  await page.waitForSelector('h3:text("Members (1)")');
  await page.click('td:text-is("alice")');
  const panel = page.locator('.panel', { hasText: 'User alice' });
  await panel.waitFor();
  const text = (await panel.textContent()) ?? '';
  assert.match(text, new RegExp(alice.socketId!.replace('.', '\\.')));
  assert.match(text, /presence-lobby/);
  assert.match(text, /alice-news/);
  await page.waitForSelector('h3:text("Members (1)")', { state: 'attached' });
  await screenshot(page, '09-channels-presence-user');
  alice.ws.close();
});

test('10,000 channels: the list shows the first 500 sorted, the prefix narrows it', async () => {
  const raw = await RawClient.open(herald);
  for (let i = 0; i < 10_000; i++) {
    raw.send({ event: 'pusher:subscribe', data: { channel: `room-${String(i).padStart(5, '0')}` } });
  }
  await raw.next(
    (f) => f.event === 'pusher_internal:subscription_succeeded' && f.channel === 'room-09999',
    30_000,
  );
  await openPage(page, 'channels');
  await page.fill('input[aria-label="Channel prefix"]', '');
  await page.waitForSelector('text=first 500 of');
  const summary = (await page.textContent('.toolbar .muted')) ?? '';
  assert.match(summary, /first 500 of 10,00\d matching/);
  await screenshot(page, '10-channels-10k');
  await page.fill('input[aria-label="Channel prefix"]', 'room-0999');
  await page.waitForSelector('text=10 matching');
  await page.click('td:text-is("room-09995")');
  await page.waitForSelector('h2.mono:text("room-09995")');
  await screenshot(page, '11-channels-prefix');
  raw.ws.close();
  await openPage(page, 'overview');
  await page.waitForSelector('.stat b');
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
      ).document.querySelectorAll('.chart canvas').length >= 3,
  );
  await screenshot(page, '12-overview');
});
