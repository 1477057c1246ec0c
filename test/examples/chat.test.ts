/**
 * examples/chat in Chromium: two people in a room see each other's messages live (the sender's own
 * socket is excluded from the broadcast, so it shows once), "typing…" arrives through client events on the
 * presence room, a bad message shows its error, and single-room mode delivers `new_message` on `chat`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type RunningExample, startWithChromium } from './example-app.js';

let example: RunningExample;
let browser: Browser;

before(async () => {
  [example, browser] = await startWithChromium('chat');
});

after(async () => {
  await browser?.close();
  await example?.stop();
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 760, height: 560 } });
  await page.goto(`${example.url}${path}`);
  await page.locator('#status', { hasText: /· connected( \(Echo\))?$/ }).waitFor({ timeout: 10_000 });
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.click('button[type=submit]');
}

const lines = (page: Page) => page.locator('#messages li:not(.empty)').allInnerTexts();

test('a room: messages appear in the other tab, once in the sender tab, and "typing…" shows', async () => {
  const alice = await open('/?room=r1&name=alice');
  const bob = await open('/?room=r1&name=bob');
  for (const page of [alice, bob])
    await page.locator('#members', { hasText: /^Here: alice, bob$/ }).waitFor({ timeout: 5_000 });

  await alice.type('#text', 'hel');
  await bob.locator('#typing', { hasText: 'alice is typing…' }).waitFor({ timeout: 5_000 });

  await say(alice, 'hello bob');
  await bob.locator('#messages li', { hasText: 'hello bob' }).waitFor({ timeout: 5_000 });
  // Bob answers after; once his answer is in Alice's tab, her own message would have come back by now.
  await say(bob, 'hi alice');
  await alice.locator('#messages li', { hasText: 'hi alice' }).waitFor({ timeout: 5_000 });
  assert.deepEqual(await lines(alice), ['alicehello bob', 'bobhi alice']);
  assert.deepEqual(await lines(bob), ['alicehello bob', 'bobhi alice']);

  // Another room hears nothing of r1.
  const carol = await open('/?room=r2&name=carol');
  await say(alice, 'only r1');
  await say(carol, 'r2 marker');
  await carol.locator('#messages li', { hasText: 'r2 marker' }).waitFor({ timeout: 5_000 });
  assert.deepEqual(await lines(carol), ['carolr2 marker']);

  await alice.screenshot({ path: 'test-output/examples-chat-room.png' });
});

test('a blank message is refused by the controller and the page says why', async () => {
  const dave = await open('/?room=r3&name=dave');
  await say(dave, '   ');
  await dave
    .locator('#error', { hasText: 'Not sent: text must be 1 to 500 characters' })
    .waitFor({ timeout: 5_000 });
  assert.deepEqual(await lines(dave), []);
  const res = await fetch(`${example.url}/api/chat/bad%20room`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'x', text: 'y' }),
  });
  assert.equal(res.status, 422);
});

test('single-room mode: new_message on channel chat reaches every page', async () => {
  const erin = await open('/single?name=erin');
  const frank = await open('/single?name=frank');
  await say(erin, 'one room for all');
  await frank.locator('#messages li', { hasText: 'one room for all' }).waitFor({ timeout: 5_000 });
  await erin.locator('#messages li', { hasText: 'one room for all' }).waitFor({ timeout: 5_000 });
  assert.deepEqual(await lines(frank), ['erinone room for all']);
  await frank.screenshot({ path: 'test-output/examples-chat-single.png' });
});

test('the Laravel Echo page talks with the pusher-js page: messages, members, whispers', async () => {
  const gina = await open('/echo?room=r4&name=gina');
  const hank = await open('/?room=r4&name=hank');
  for (const page of [gina, hank])
    await page.locator('#members', { hasText: /^Here: gina, hank$/ }).waitFor({ timeout: 5_000 });
  await gina.type('#text', 'he');
  await hank.locator('#typing', { hasText: 'gina is typing…' }).waitFor({ timeout: 5_000 });
  await say(gina, 'from echo');
  await hank.locator('#messages li', { hasText: 'from echo' }).waitFor({ timeout: 5_000 });
  await say(hank, 'from pusher-js');
  await gina.locator('#messages li', { hasText: 'from pusher-js' }).waitFor({ timeout: 5_000 });
  assert.deepEqual(await lines(gina), ['ginafrom echo', 'hankfrom pusher-js']);
  await gina.screenshot({ path: 'test-output/examples-chat-echo.png' });
});
