/**
 * The server events a subscribe and an unsubscribe fire (webhooks and metrics tap them), exactly and in
 * order, for each channel kind: `subscribed` (with the member id on presence), `channel_occupied` and
 * `channel_vacated` on the first and last subscription, `member_added` and `member_removed` on a
 * user's first and last socket only, `cache_miss` (occupied only for the subscription that occupied the
 * channel), `subscription_count`; and the same on a disconnect.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import type { ServerEvent } from '../../src/events/server-events.js';
import { serverEvent } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor, sdkStatus } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sdk: PusherServer;
const seen: ServerEvent[] = [];
const raws: RawClient[] = [];
const app = TEST_APP.id;
const KINDS = new Set<ServerEvent['type']>([
  'subscribed',
  'unsubscribed',
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'cache_miss',
  'subscription_count',
]);

before(async () => {
  server = await startHerald({ apps: [{ ...TEST_APP, subscriptionCount: true }] });
  sdk = sdkFor(server);
  server.herald.events.tap((e) => {
    if (KINDS.has(e.type)) seen.push(e);
  });
});
after(async () => {
  for (const r of raws) r.close();
  await server.close();
});

async function open(): Promise<RawClient> {
  const raw = await RawClient.open(server);
  raws.push(raw);
  return raw;
}

/** The events of `channel` fired since the last call. */
function taken(channel: string): ServerEvent[] {
  const out = seen.filter((e) => 'channel' in e && e.channel === channel);
  for (const e of out) seen.splice(seen.indexOf(e), 1);
  return out;
}

/** Unsubscribes and waits until the server handled it (the pong of a ping sent after). */
async function leave(raw: RawClient, channel: string): Promise<void> {
  raw.emit('pusher:unsubscribe', { channel });
  await raw.drain();
}

test('public: subscribed, occupied and counted; the last to leave vacates, a disconnect included', async () => {
  const ch = 'events-public';
  const [a, b] = [await open(), await open()];
  await a.join(sdk, ch);
  assert.deepEqual(taken(ch), [
    { type: 'subscribed', appId: app, socketId: a.socketId, channel: ch },
    { type: 'channel_occupied', appId: app, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 1 },
  ]);
  await b.join(sdk, ch);
  assert.deepEqual(taken(ch), [
    { type: 'subscribed', appId: app, socketId: b.socketId, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 2 },
  ]);
  await leave(a, ch);
  assert.deepEqual(taken(ch), [
    { type: 'unsubscribed', appId: app, socketId: a.socketId, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 1 },
  ]);
  await leave(a, ch);
  assert.deepEqual(taken(ch), [], 'leaving twice fires nothing');
  const vacated = serverEvent(server, 'channel_vacated', (e) => e.channel === ch);
  b.close();
  await vacated;
  assert.deepEqual(taken(ch), [
    { type: 'unsubscribed', appId: app, socketId: b.socketId, channel: ch },
    { type: 'channel_vacated', appId: app, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 0 },
  ]);
});

test('private: the same events; no subscription_count on an encrypted channel', async () => {
  const ch = 'private-events';
  const enc = 'private-encrypted-events';
  const a = await open();
  await a.join(sdk, ch);
  await a.join(sdk, enc);
  assert.deepEqual(taken(ch), [
    { type: 'subscribed', appId: app, socketId: a.socketId, channel: ch },
    { type: 'channel_occupied', appId: app, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 1 },
  ]);
  assert.deepEqual(taken(enc), [
    { type: 'subscribed', appId: app, socketId: a.socketId, channel: enc },
    { type: 'channel_occupied', appId: app, channel: enc },
  ]);
  await leave(a, enc);
  assert.deepEqual(taken(enc), [
    { type: 'unsubscribed', appId: app, socketId: a.socketId, channel: enc },
    { type: 'channel_vacated', appId: app, channel: enc },
  ]);
});

test("presence: member_added on a user's first socket, member_removed on its last, the member id on subscribed", async () => {
  const ch = 'presence-events';
  const [a, b, c] = [await open(), await open(), await open()];
  await a.join(sdk, ch, { user_id: 'u1', user_info: { n: 1 } });
  assert.deepEqual(taken(ch), [
    { type: 'member_added', appId: app, channel: ch, userId: 'u1' },
    { type: 'subscribed', appId: app, socketId: a.socketId, channel: ch, userId: 'u1' },
    { type: 'channel_occupied', appId: app, channel: ch },
  ]);
  await b.join(sdk, ch, { user_id: 'u1' });
  assert.deepEqual(
    taken(ch),
    [{ type: 'subscribed', appId: app, socketId: b.socketId, channel: ch, userId: 'u1' }],
    'a second socket of u1: no member_added',
  );
  await c.join(sdk, ch, { user_id: 'u2' });
  assert.deepEqual(taken(ch), [
    { type: 'member_added', appId: app, channel: ch, userId: 'u2' },
    { type: 'subscribed', appId: app, socketId: c.socketId, channel: ch, userId: 'u2' },
  ]);

  await leave(b, ch);
  assert.deepEqual(taken(ch), [{ type: 'unsubscribed', appId: app, socketId: b.socketId, channel: ch }]);
  const removed = serverEvent(server, 'unsubscribed', (e) => e.socketId === a.socketId);
  a.close();
  await removed;
  assert.deepEqual(taken(ch), [
    { type: 'member_removed', appId: app, channel: ch, userId: 'u1' },
    { type: 'unsubscribed', appId: app, socketId: a.socketId, channel: ch },
  ]);
  await leave(c, ch);
  assert.deepEqual(taken(ch), [
    { type: 'member_removed', appId: app, channel: ch, userId: 'u2' },
    { type: 'unsubscribed', appId: app, socketId: c.socketId, channel: ch },
    { type: 'channel_vacated', appId: app, channel: ch },
  ]);
});

test('cache: a miss says whether this subscription occupied the channel; a cached event is no miss', async () => {
  const ch = 'cache-events';
  const [a, b, c] = [await open(), await open(), await open()];
  await a.join(sdk, ch);
  await a.nextEvent('pusher:cache_miss', ch);
  assert.deepEqual(taken(ch), [
    { type: 'cache_miss', appId: app, channel: ch, occupied: true },
    { type: 'subscribed', appId: app, socketId: a.socketId, channel: ch },
    { type: 'channel_occupied', appId: app, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 1 },
  ]);
  await b.join(sdk, ch);
  await b.nextEvent('pusher:cache_miss', ch);
  assert.deepEqual(taken(ch), [
    { type: 'cache_miss', appId: app, channel: ch, occupied: false },
    { type: 'subscribed', appId: app, socketId: b.socketId, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 2 },
  ]);
  assert.equal((await sdkStatus(sdk.trigger(ch, 'news', { n: 1 }))).status, 200);
  await a.nextEvent('news', ch);
  taken(ch);
  await c.join(sdk, ch);
  const replayed = await c.next();
  assert.deepEqual([replayed.event, replayed.channel, replayed.data], ['news', ch, '{"n":1}']);
  assert.deepEqual(taken(ch), [
    { type: 'subscribed', appId: app, socketId: c.socketId, channel: ch },
    { type: 'subscription_count', appId: app, channel: ch, count: 3 },
  ]);
});

test('server-to-user: subscribing and leaving fire no channel event (the channel is the user index)', async () => {
  const ch = '#server-to-user-events-u';
  const a = await open();
  await a.signedInWith(sdk, { id: 'events-u' });
  const reply = await a.subscribe(ch);
  assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
  await leave(a, ch);
  assert.deepEqual(taken(ch), []);
});
