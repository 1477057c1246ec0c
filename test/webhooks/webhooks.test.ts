/**
 * Webhooks end to end with the in-memory queue: official pusher-js clients make the events, a real
 * HTTP receiver validates every request with the official `pusher` SDK's `webhook().isValid()`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerEvent } from '../../src/events/server-events.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { connect, roundTrip, sdk, subscribed, unsubscribed } from '../helpers/webhook-clients.js';
import { type WebhookEventJson, WebhookReceiver } from '../helpers/webhook-receiver.js';

const BATCH_SIZE = 5;
let receiver: WebhookReceiver;
let server: TestServer;
const clients: PusherJs[] = [];
const outcomes: Extract<ServerEvent, { type: 'webhook' }>[] = [];

async function client(userId?: string): Promise<PusherJs> {
  const c = await connect(server.app, server.port, userId);
  clients.push(c);
  return c;
}

function received(channel: string, name?: string, path = '/all'): WebhookEventJson[] {
  return receiver.acceptedEvents(path).filter((e) => e.channel === channel && (!name || e.name === name));
}

/** Occupied / vacated events only (subscription counts are on in this app too). */
function existence(channel: string): WebhookEventJson[] {
  return received(channel).filter((e) => e.name === 'channel_occupied' || e.name === 'channel_vacated');
}

const ALL_EVENTS = [
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'client_event',
  'cache_miss',
  'subscription_count',
] as const;

function waitEvent(channel: string, name: string, path = '/all', count = 1): Promise<void> {
  return receiver.waitFor(
    `${name} on ${channel} (${path})`,
    () => received(channel, name, path).length >= count,
  );
}

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  server = await startHerald({
    webhooks: {
      batchSize: BATCH_SIZE,
      batchWindowMs: 40,
      delayMs: 300,
      timeoutMs: 400,
      retryWindowMs: 10_000,
      retryBaseMs: 50,
      retryMaxMs: 200,
    },
    apps: [
      {
        ...TEST_APP,
        clientEvents: true,
        subscriptionCount: true,
        webhooks: [
          { url: receiver.url('/all'), events: [...ALL_EVENTS], headers: { 'X-Custom': 'yes' } },
          {
            url: receiver.url('/private'),
            events: ['channel_occupied', 'client_event'],
            filter: { channelPrefix: 'private-' },
          },
        ],
      },
    ],
  });
  server.herald.events.on('webhook', (e) => outcomes.push(e));
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
  await receiver.close();
});

describe('webhook requests', () => {
  test('occupied and vacated arrive signed, with the exact content type, key, id and a fresh time_ms', async () => {
    const before = Date.now();
    const c = await client();
    await subscribed(c, 'wh-basic');
    await waitEvent('wh-basic', 'channel_occupied');
    await unsubscribed(c, 'wh-basic');
    await waitEvent('wh-basic', 'channel_vacated');
    const after = Date.now();
    const mine = receiver.requests.filter((r) => r.rawBody.includes('"wh-basic"'));
    assert.ok(mine.length >= 2);
    for (const r of mine) {
      assert.equal(r.valid, true, `SDK rejected ${r.rawBody}`);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['x-pusher-key'], TEST_APP.key);
      assert.match(r.id, /^[0-9a-f-]{36}$/);
      assert.ok(r.timeMs >= before - 1 && r.timeMs <= after, `time_ms ${r.timeMs} outside the test`);
    }
    assert.deepEqual(existence('wh-basic'), [
      { name: 'channel_occupied', channel: 'wh-basic' },
      { name: 'channel_vacated', channel: 'wh-basic' },
    ]);
    // Every request so far, from any test, passed the SDK's check.
    assert.ok(receiver.requests.every((r) => r.valid));
  });

  test('a vacate followed by a re-occupy within the delay sends neither (WH-05)', async () => {
    const c = await client();
    await subscribed(c, 'wh-rejoin');
    await subscribed(c, 'wh-rejoin-sentinel');
    await waitEvent('wh-rejoin', 'channel_occupied');
    await waitEvent('wh-rejoin-sentinel', 'channel_occupied');
    await unsubscribed(c, 'wh-rejoin');
    await subscribed(c, 'wh-rejoin');
    // The sentinel's vacate is held after the rejoin's would have been, so it arrives after it.
    await unsubscribed(c, 'wh-rejoin-sentinel');
    await waitEvent('wh-rejoin-sentinel', 'channel_vacated');
    assert.deepEqual(existence('wh-rejoin'), [{ name: 'channel_occupied', channel: 'wh-rejoin' }]);
  });

  test('member_added / member_removed, and a quick re-join of the same user sends nothing', async () => {
    const a = await client('u1');
    const b = await client('u2');
    await subscribed(a, 'presence-wh');
    await subscribed(b, 'presence-wh');
    await waitEvent('presence-wh', 'member_added', '/all', 2);
    await unsubscribed(b, 'presence-wh');
    await subscribed(b, 'presence-wh');
    await unsubscribed(a, 'presence-wh');
    await receiver.waitFor('member_removed u1', () =>
      received('presence-wh', 'member_removed').some((e) => e.user_id === 'u1'),
    );
    const events = received('presence-wh').filter((e) => e.name.startsWith('member_'));
    assert.deepEqual(events, [
      { name: 'member_added', channel: 'presence-wh', user_id: 'u1' },
      { name: 'member_added', channel: 'presence-wh', user_id: 'u2' },
      { name: 'member_removed', channel: 'presence-wh', user_id: 'u1' },
    ]);
    assert.equal(received('presence-wh', 'channel_vacated').length, 0);
  });

  test('client events carry event, string data, socket_id, and user_id on presence only', async () => {
    const a = await client('writer');
    const b = await client('reader');
    const pa = await subscribed(a, 'presence-wh-ce');
    await subscribed(b, 'presence-wh-ce');
    const qa = await subscribed(a, 'private-wh-ce');
    await subscribed(b, 'private-wh-ce');
    pa.trigger('client-typing', { x: 1 });
    qa.trigger('client-note', 'plain');
    await waitEvent('presence-wh-ce', 'client_event');
    await waitEvent('private-wh-ce', 'client_event');
    const socketId = a.connection.socket_id;
    assert.deepEqual(received('presence-wh-ce', 'client_event'), [
      {
        name: 'client_event',
        channel: 'presence-wh-ce',
        event: 'client-typing',
        data: '{"x":1}',
        socket_id: socketId,
        user_id: 'writer',
      },
    ]);
    assert.deepEqual(received('private-wh-ce', 'client_event'), [
      {
        name: 'client_event',
        channel: 'private-wh-ce',
        event: 'client-note',
        data: 'plain',
        socket_id: socketId,
      },
    ]);
    // The filtered target got the private channel's events and nothing of the presence channel.
    await waitEvent('private-wh-ce', 'client_event', '/private');
    assert.equal(received('presence-wh-ce', undefined, '/private').length, 0);
  });

  test('cache_miss is sent once for several subscribers of the same empty cache channel', async () => {
    const a = await client();
    const b = await client();
    await subscribed(a, 'cache-wh');
    await subscribed(b, 'cache-wh');
    await subscribed(a, 'cache-wh-sentinel');
    await waitEvent('cache-wh-sentinel', 'cache_miss');
    assert.equal(received('cache-wh', 'cache_miss').length, 1);
    assert.deepEqual(received('cache-wh', 'cache_miss')[0], { name: 'cache_miss', channel: 'cache-wh' });
  });

  test('subscription_count carries the count (app with subscription counting on)', async () => {
    const a = await client();
    const b = await client();
    await subscribed(a, 'wh-count');
    await subscribed(b, 'wh-count');
    await receiver.waitFor('subscription_count 2', () =>
      received('wh-count', 'subscription_count').some((e) => e.subscription_count === 2),
    );
    const counts = received('wh-count', 'subscription_count').map((e) => e.subscription_count);
    assert.deepEqual(counts, [1, 2]);
  });

  test('events are batched up to batchSize per request; the filter and custom headers apply per target', async () => {
    const c = await client();
    const names = Array.from({ length: 12 }, (_, i) => `private-wh-batch-${i}`);
    await Promise.all(names.map((n) => subscribed(c, n)));
    await receiver.waitFor('12 occupied', () =>
      names.every((n) => received(n, 'channel_occupied', '/all').length === 1),
    );
    await receiver.waitFor('12 occupied on /private', () =>
      names.every((n) => received(n, 'channel_occupied', '/private').length === 1),
    );
    const batchRequests = receiver.accepted.filter((r) => r.rawBody.includes('wh-batch-'));
    assert.ok(batchRequests.every((r) => r.events.length <= BATCH_SIZE));
    assert.ok(
      batchRequests.some((r) => r.events.length > 1),
      'expected at least one request carrying several events',
    );
    assert.ok(
      receiver.requests.filter((r) => r.path === '/all').every((r) => r.headers['x-custom'] === 'yes'),
    );
    assert.ok(
      receiver.requests
        .filter((r) => r.path === '/private')
        .every((r) => r.headers['x-custom'] === undefined),
    );
    assert.ok(
      receiver
        .acceptedEvents('/private')
        .every((e) => e.channel.startsWith('private-') && e.name !== 'channel_vacated'),
    );
  });
});

describe('delivery', () => {
  test('a 500 answer is retried with the same id, body and time_ms until the receiver accepts', async () => {
    const sentBefore = outcomes.filter((o) => o.outcome === 'retried').length;
    receiver.mode = 500;
    const c = await client();
    await subscribed(c, 'wh-retry');
    await receiver.waitFor(
      'two failed attempts',
      () => receiver.requests.filter((r) => r.rawBody.includes('"wh-retry"')).length >= 2,
    );
    receiver.mode = 200;
    await waitEvent('wh-retry', 'channel_occupied');
    const attempts = receiver.requests.filter((r) => r.rawBody.includes('"wh-retry"'));
    assert.ok(attempts.every((r) => r.valid));
    assert.equal(new Set(attempts.map((r) => r.id)).size, 1, 'one id across attempts');
    assert.equal(new Set(attempts.map((r) => r.rawBody)).size, 1, 'the same bytes every time');
    assert.deepEqual(
      attempts.map((r) => Number(r.headers['x-herald-webhook-attempt'])),
      attempts.map((_, i) => i + 1),
    );
    assert.equal(received('wh-retry', 'channel_occupied').length, 1);
    assert.ok(outcomes.filter((o) => o.outcome === 'retried').length > sentBefore);
    assert.ok(outcomes.some((o) => o.outcome === 'failed'));
    assert.ok(outcomes.some((o) => o.outcome === 'sent'));
  });

  test('a receiver that hangs does not slow message delivery; its webhook goes out after the timeout', async () => {
    receiver.mode = 'hang';
    const c = await client();
    const ch = await subscribed(c, 'wh-hang');
    await receiver.waitFor('a hanging request', () =>
      receiver.requests.some((r) => r.answered === 0 && r.rawBody.includes('"wh-hang"')),
    );
    const got = new Promise<unknown>((resolve) => ch.bind('news', resolve));
    await sdk(server.app, server.port).trigger('wh-hang', 'news', { ok: true });
    assert.deepEqual(await got, { ok: true });
    await roundTrip(c);
    receiver.mode = 200;
    await waitEvent('wh-hang', 'channel_occupied');
  });
});
