/**
 * Subscription counting (CH-20) driven directly, over the in-memory adapter and a controlled clock:
 * which channels count, the exact envelope and server event, a count of 0, the throttle (above 100
 * subscribers at most one count per 5 s, and the last count always arrives) kept per app and channel,
 * the 5 s boundary, a second trailing update, and close.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { Sealed } from '../../src/adapters/adapter.js';
import { LocalAdapter } from '../../src/adapters/local-adapter.js';
import { SubscriptionCounter } from '../../src/channels/subscription-count.js';
import { type ServerEvent, ServerEvents } from '../../src/events/server-events.js';
import { encodeSubscriptionCount } from '../../src/protocol/messages.js';
import { testConfig } from '../helpers/server.js';

const { apps } = testConfig({
  apps: [
    { id: 'a', key: 'ka', secret: 'sa', subscriptionCount: true },
    { id: 'b', key: 'kb', secret: 'sb', subscriptionCount: true },
    { id: 'off', key: 'ko', secret: 'so' },
  ],
});
const [appA, appB, appOff] = [apps[0]!, apps[1]!, apps[2]!];

let clock: number;
let envelopes: Sealed[];
let events: ServerEvent[];
let counter: SubscriptionCounter;

beforeEach(async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  clock = 1_000_000;
  envelopes = [];
  events = [];
  const adapter = new LocalAdapter(() => clock);
  await adapter.start({ deliver: (e) => envelopes.push(e) });
  const serverEvents = new ServerEvents();
  serverEvents.tap((e) => events.push(e));
  counter = new SubscriptionCounter(adapter, serverEvents, () => clock);
});

afterEach(() => {
  counter.close();
  mock.timers.reset();
});

function advance(ms: number): void {
  clock += ms;
  mock.timers.tick(ms);
}

/** The counts broadcast so far, as [app, channel, count]. */
function sent(): [string, string, number][] {
  return envelopes.map((e) => {
    assert.equal(e.kind, 'channel');
    const data = JSON.parse((JSON.parse(e.frame) as { data: string }).data) as { subscription_count: number };
    return [e.appId, e.channel, data.subscription_count];
  });
}

/** The counts broadcast so far, in order. */
const counts = () => sent().map(([, , n]) => n);

test('up to 100 subscribers every change is sent at once', () => {
  for (let n = 1; n <= 100; n++) counter.changed(appA, 'c', n);
  assert.equal(counts().length, 100);
  assert.equal(counts().at(-1), 100);
});

test('above 100: first change at once, later ones coalesced into one trailing count per 5 s', () => {
  counter.changed(appA, 'big', 101);
  assert.deepEqual(counts(), [101]);
  advance(1000);
  counter.changed(appA, 'big', 102);
  counter.changed(appA, 'big', 103);
  advance(3000);
  assert.deepEqual(counts(), [101]);
  advance(1000);
  assert.deepEqual(counts(), [101, 103]);
  advance(20_000);
  assert.deepEqual(counts(), [101, 103], 'nothing changed, nothing sent');
  counter.changed(appA, 'big', 104); // more than 5 s since the last: at once
  assert.deepEqual(counts(), [101, 103, 104]);
});

test('dropping back to 100 sends at once and cancels the pending trailing update', () => {
  counter.changed(appA, 'drop', 150);
  counter.changed(appA, 'drop', 149);
  counter.changed(appA, 'drop', 100);
  assert.deepEqual(counts(), [150, 100]);
  advance(10_000);
  assert.deepEqual(counts(), [150, 100]);
});

test('not sent for presence or encrypted channels, nor when the app has it off', () => {
  counter.changed(appA, 'presence-p', 2);
  counter.changed(appA, 'private-encrypted-e', 2);
  counter.changed(appOff, 'public', 2);
  assert.deepEqual(counts(), []);
});

test('applies to public and private channels of an app that has it on, only', () => {
  assert.equal(SubscriptionCounter.applies(appA, 'room'), true);
  assert.equal(SubscriptionCounter.applies(appA, 'private-room'), true);
  assert.equal(SubscriptionCounter.applies(appA, 'cache-room'), true, 'a public cache channel');
  assert.equal(SubscriptionCounter.applies(appA, 'presence-room'), false);
  assert.equal(SubscriptionCounter.applies(appA, 'private-encrypted-room'), false);
  assert.equal(SubscriptionCounter.applies(appA, '#server-to-user-u'), false);
  assert.equal(SubscriptionCounter.applies(appOff, 'room'), false);
});

test('a change: one channel envelope with the encoded count, one server event', () => {
  counter.changed(appA, 'private-room', 3);
  assert.equal(envelopes.length, 1);
  const { origin: _o, seq: _s, ...envelope } = envelopes[0]!;
  assert.deepEqual(envelope, {
    kind: 'channel',
    appId: 'a',
    channel: 'private-room',
    frame: encodeSubscriptionCount('private-room', 3),
  });
  assert.deepEqual(events, [{ type: 'subscription_count', appId: 'a', channel: 'private-room', count: 3 }]);

  counter.changed(appA, 'presence-room', 3);
  counter.changed(appOff, 'room', 3);
  assert.equal(envelopes.length, 1, 'nothing for a channel that does not count');
  assert.equal(events.length, 1);
});

test('a count of 0 reaches nobody: no frame, but the server event', () => {
  counter.changed(appA, 'room', 1);
  counter.changed(appA, 'room', 0);
  assert.deepEqual(sent(), [['a', 'room', 1]]);
  assert.deepEqual(
    events.map((e) => (e.type === 'subscription_count' ? e.count : null)),
    [1, 0],
  );
});

test('throttled per app and channel: a big channel elsewhere is sent at once', () => {
  counter.changed(appA, 'big', 150);
  counter.changed(appB, 'big', 150);
  counter.changed(appA, 'big2', 150);
  counter.changed(appA, 'big', 151);
  assert.deepEqual(sent(), [
    ['a', 'big', 150],
    ['b', 'big', 150],
    ['a', 'big2', 150],
  ]);
});

test('exactly 5 s after the last count the next one goes at once', () => {
  counter.changed(appA, 'big', 150);
  advance(5000);
  counter.changed(appA, 'big', 151);
  assert.deepEqual(sent(), [
    ['a', 'big', 150],
    ['a', 'big', 151],
  ]);
});

test('after a trailing update, the next change waits 5 s from it', () => {
  counter.changed(appA, 'big', 150);
  advance(1000);
  counter.changed(appA, 'big', 151);
  advance(4000);
  assert.deepEqual(
    sent().map(([, , n]) => n),
    [150, 151],
    'trailing at 5 s',
  );
  advance(1000);
  counter.changed(appA, 'big', 152);
  assert.equal(sent().length, 2, 'one second after the trailing update: held');
  advance(3999);
  assert.equal(sent().length, 2);
  advance(1);
  assert.deepEqual(
    sent().map(([, , n]) => n),
    [150, 151, 152],
    'a second trailing update',
  );
});

test('close drops the pending trailing update and every throttle', () => {
  counter.changed(appA, 'big', 150);
  counter.changed(appA, 'big', 151);
  counter.close();
  mock.timers.tick(10_000); // the timer's time passes, the clock stays within 5 s of the first count
  assert.deepEqual(sent(), [['a', 'big', 150]]);
  counter.changed(appA, 'big', 152);
  assert.deepEqual(sent().at(-1), ['a', 'big', 152], 'no throttle left: at once');
});
