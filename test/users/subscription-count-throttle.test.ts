/** CH-20 throttling: above 100 subscribers at most one count per 5 s, and the last count always arrives. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { Envelope } from '../../src/adapters/adapter.js';
import { LocalAdapter } from '../../src/adapters/local-adapter.js';
import { SubscriptionCounter } from '../../src/channels/subscription-count.js';
import { ServerEvents } from '../../src/events/server-events.js';
import { testConfig } from '../helpers/server.js';

const app = testConfig({ apps: [{ id: 'a', key: 'k', secret: 's', subscriptionCount: true }] }).apps[0]!;
let clock = 1_000_000;
let sent: number[];
let counter: SubscriptionCounter;

beforeEach(async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  sent = [];
  const adapter = new LocalAdapter(() => clock);
  await adapter.start({
    deliver(e: Envelope) {
      if (e.kind === 'channel') sent.push(JSON.parse(JSON.parse(e.frame).data).subscription_count);
    },
  });
  counter = new SubscriptionCounter(adapter, new ServerEvents(), () => clock);
});

afterEach(() => {
  counter.close();
  mock.timers.reset();
});

function advance(ms: number): void {
  clock += ms;
  mock.timers.tick(ms);
}

test('up to 100 subscribers every change is sent at once', () => {
  for (let n = 1; n <= 100; n++) counter.changed(app, 'c', n);
  assert.equal(sent.length, 100);
  assert.equal(sent.at(-1), 100);
});

test('above 100: first change at once, later ones coalesced into one trailing count per 5 s', () => {
  counter.changed(app, 'big', 101);
  assert.deepEqual(sent, [101]);
  advance(1000);
  counter.changed(app, 'big', 102);
  counter.changed(app, 'big', 103);
  advance(3000);
  assert.deepEqual(sent, [101]);
  advance(1000);
  assert.deepEqual(sent, [101, 103]);
  advance(20_000);
  assert.deepEqual(sent, [101, 103]); // nothing changed, nothing sent
  counter.changed(app, 'big', 104); // more than 5 s since the last: at once
  assert.deepEqual(sent, [101, 103, 104]);
  counter.close();
});

test('dropping back to 100 sends at once and cancels the pending trailing update', () => {
  counter.changed(app, 'drop', 150);
  counter.changed(app, 'drop', 149);
  counter.changed(app, 'drop', 100);
  assert.deepEqual(sent, [150, 100]);
  advance(10_000);
  assert.deepEqual(sent, [150, 100]);
});

test('not for presence or encrypted channels, nor when the app has it off', () => {
  counter.changed(app, 'presence-p', 2);
  counter.changed(app, 'private-encrypted-e', 2);
  counter.changed({ ...app, subscriptionCount: false }, 'public', 2);
  assert.deepEqual(sent, []);
});
