/**
 * POST /events and /batch_events (API-06..API-10) driven by the official `pusher` SDK, delivery
 * checked with official pusher-js subscribers. Requests the SDK refuses to build itself (101 channels,
 * bad names) go through the SDK's own signed `post`, so the server's validation is what is tested.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type PusherServer from 'pusher';
import { sdkFor, sdkStatus } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { type Client, connectClient } from './clients.js';

let server: TestServer;
let sdk: PusherServer;
let watcher: Client;
const clients: Client[] = [];
let seq = 0;

before(async () => {
  server = await startHerald();
  sdk = sdkFor(server);
  watcher = await client();
  await watcher.subscribe('health');
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

async function client(user?: { user_id: string; user_info?: Record<string, unknown> }): Promise<Client> {
  const c = await connectClient(server, sdk, user);
  clients.push(c);
  return c;
}

/** Raw signed POST through the SDK (its `post` JSON-encodes the body object). */
function post(path: string, body: unknown) {
  return sdkStatus(sdk.post({ path, body: body as string }));
}

/** Proof the server still serves: a fresh event reaches the standing subscriber. */
async function stillServes(): Promise<void> {
  const name = `alive-${++seq}`;
  const res = await sdk.trigger('health', name, { n: seq });
  assert.equal(res.status, 200);
  await watcher.next('health', name);
}

describe('POST /events', () => {
  test('trigger to one channel answers 200 {} and the subscriber gets the event with its data', async () => {
    const c = await client();
    await c.subscribe('orders');
    const res = await sdk.trigger('orders', 'order-placed', { id: 7, items: ['a'] });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    const got = await c.next('orders', 'order-placed');
    assert.deepEqual(got.data, { id: 7, items: ['a'] });
  });

  test('a string data is delivered as sent', async () => {
    const c = await client();
    await c.subscribe('texts');
    await sdk.trigger('texts', 'said', 'plain words, not JSON');
    assert.equal((await c.next('texts', 'said')).data, 'plain words, not JSON');
  });

  test('trigger to 100 channels reaches subscribers of the first and the last', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `fan-${i}`);
    const c = await client();
    await c.subscribe('fan-0');
    await c.subscribe('fan-99');
    const res = await sdk.trigger(names, 'wide', { x: 1 });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    await c.next('fan-0', 'wide');
    await c.next('fan-99', 'wide');
  });

  test('101 channels: the SDK refuses to send it, and the server answers 400 when sent anyway', async () => {
    const names = Array.from({ length: 101 }, (_, i) => `fan-${i}`);
    assert.throws(() => sdk.trigger(names, 'too-wide', {}), /more than 100 channels/);
    const c = await client();
    await c.subscribe('fan-5');
    const r = await post('/events', { name: 'too-wide', data: '{}', channels: names });
    assert.equal(r.status, 400);
    assert.match(r.body, /100 channels/);
    await stillServes();
    assert.deepEqual(c.received('fan-5'), [], 'nothing of the refused trigger was delivered');
  });

  test('duplicate channels are delivered once', async () => {
    const c = await client();
    await c.subscribe('dup');
    const r = await post('/events', { name: 'once', data: '1', channels: ['dup', 'dup'] });
    assert.equal(r.status, 200);
    await sdk.trigger('dup', 'marker', {});
    await c.next('dup', 'marker');
    assert.deepEqual(
      c.received('dup').map((e) => e.event),
      ['once', 'marker'],
    );
  });

  test('`channel` (single string) is accepted, and `channels` wins when both are given', async () => {
    const c = await client();
    await c.subscribe('single-a');
    await c.subscribe('single-b');
    assert.equal((await post('/events', { name: 'one', data: '1', channel: 'single-a' })).status, 200);
    await c.next('single-a', 'one');
    const both = await post('/events', {
      name: 'two',
      data: '2',
      channel: 'single-a',
      channels: ['single-b'],
    });
    assert.equal(both.status, 200);
    await c.next('single-b', 'two');
    await sdk.trigger('single-a', 'marker', {});
    await c.next('single-a', 'marker');
    assert.deepEqual(
      c.received('single-a').map((e) => e.event),
      ['one', 'marker'],
    );
  });

  test('socket_id excludes exactly that connection; others on the channel still receive', async () => {
    const a = await client();
    const b = await client();
    await a.subscribe('chat');
    await b.subscribe('chat');
    const res = await sdk.trigger('chat', 'said', { text: 'hi' }, { socket_id: a.socketId });
    assert.equal(res.status, 200);
    await b.next('chat', 'said');
    // A later event on the same socket arrives after the excluded one would have: ordering is the proof.
    await sdk.trigger('chat', 'marker', {});
    await a.next('chat', 'marker');
    assert.deepEqual(
      a.received('chat').map((e) => e.event),
      ['marker'],
    );
  });

  test('an unknown (well-formed) socket_id excludes nobody; a malformed one is refused with 400', async () => {
    const a = await client();
    await a.subscribe('chat-2');
    await sdk.trigger('chat-2', 'everyone', {}, { socket_id: '1.1' });
    await a.next('chat-2', 'everyone');
    const bad = await post('/events', { name: 'x', data: '1', channels: ['chat-2'], socket_id: 'abc' });
    assert.equal(bad.status, 400);
    await stillServes();
  });

  test('info=subscription_count,user_count reports both for presence and subscription_count elsewhere', async () => {
    const u1a = await client({ user_id: 'u1', user_info: { name: 'One' } });
    const u1b = await client({ user_id: 'u1', user_info: { name: 'One' } });
    const u2 = await client({ user_id: 'u2' });
    for (const c of [u1a, u1b, u2]) await c.subscribe('presence-room');
    await u2.subscribe('lobby');
    const res = await sdk.trigger(
      ['presence-room', 'lobby', 'empty-hall'],
      'ping',
      {},
      {
        info: 'subscription_count,user_count',
      },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      channels: {
        'presence-room': { subscription_count: 3, user_count: 2 },
        lobby: { subscription_count: 1 },
        'empty-hall': { subscription_count: 0 },
      },
    });
    const onlyUsers = await sdk.trigger('presence-room', 'ping', {}, { info: 'user_count' });
    assert.deepEqual(await onlyUsers.json(), { channels: { 'presence-room': { user_count: 2 } } });
  });

  test('event names: Laravel class names pass; pusher: and pusher_internal: prefixes are refused', async () => {
    const c = await client();
    await c.subscribe('laravel');
    for (const name of [
      'App\\Events\\OrderShipped',
      'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated',
      'client-looking.but:fine',
    ]) {
      const res = await sdk.trigger('laravel', name, { ok: true });
      assert.equal(res.status, 200, name);
      assert.deepEqual((await c.next('laravel', name)).data, { ok: true });
    }
    for (const name of ['pusher:subscribe', 'pusher_internal:member_added', 'pusher:']) {
      const r = await sdkStatus(sdk.trigger('laravel', name, {}));
      assert.equal(r.status, 400, name);
    }
    await sdk.trigger('laravel', 'marker', {});
    await c.next('laravel', 'marker');
    assert.ok(!c.received('laravel').some((e) => e.event.startsWith('pusher')));
  });

  test('event name of 200 characters passes, 201 is refused with 400', async () => {
    assert.equal((await sdk.trigger('names', 'e'.repeat(200), {})).status, 200);
    const r = await post('/events', { name: 'e'.repeat(201), data: '{}', channels: ['names'] });
    assert.equal(r.status, 400);
    await stillServes();
  });

  test('data of exactly 10 KB passes; one byte more is refused with 413 (UTF-8 bytes counted)', async () => {
    const c = await client();
    await c.subscribe('big');
    const exact = 'x'.repeat(10 * 1024);
    assert.equal((await sdk.trigger('big', 'exact', exact)).status, 200);
    assert.equal((await c.next('big', 'exact')).data, exact);
    const over = await sdkStatus(sdk.trigger('big', 'over', 'x'.repeat(10 * 1024 + 1)));
    assert.equal(over.status, 413);
    // 5121 two-byte characters: under 10 KB in characters, over it in bytes.
    const wide = await sdkStatus(sdk.trigger('big', 'wide', 'é'.repeat(5121)));
    assert.equal(wide.status, 413);
    await sdk.trigger('big', 'marker', {});
    await c.next('big', 'marker');
    assert.deepEqual(
      c.received('big').map((e) => e.event),
      ['exact', 'marker'],
    );
  });

  test('invalid channel names are refused with 400; #server-to-user-{id} is accepted', async () => {
    for (const bad of ['has space', 'colon:name', '#private', 'a'.repeat(201), '', 'ünïcode']) {
      const r = await post('/events', { name: 'e', data: '{}', channels: [bad] });
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    const mixed = await post('/events', { name: 'e', data: '{}', channels: ['fine', 'not fine'] });
    assert.equal(mixed.status, 400);
    assert.equal(
      (await post('/events', { name: 'e', data: '{}', channels: ['#server-to-user-42'] })).status,
      200,
    );
    assert.equal(
      (await post('/events', { name: 'e', data: '{}', channels: ['#server-to-user-'] })).status,
      400,
    );
    await stillServes();
  });

  test('missing or mistyped fields are refused with 400', async () => {
    const bodies: unknown[] = [
      { data: '{}', channels: ['x'] },
      { name: '', data: '{}', channels: ['x'] },
      { name: 'e', channels: ['x'] },
      { name: 'e', data: { not: 'a string' }, channels: ['x'] },
      { name: 'e', data: '{}' },
      { name: 'e', data: '{}', channels: [] },
      { name: 'e', data: '{}', channels: 'x' },
      { name: 'e', data: '{}', channels: [1] },
      { name: 7, data: '{}', channels: ['x'] },
      { name: 'e', data: '{}', channels: ['x'], info: 5 },
    ];
    for (const body of bodies) {
      const r = await post('/events', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(JSON.parse(r.body).error, 'the body explains');
    }
    await stillServes();
  });
});

describe('encrypted channels', () => {
  test("the SDK's encrypted trigger is passed through and pusher-js decrypts it", async () => {
    const c = await client();
    await c.subscribe('private-encrypted-vault');
    const res = await sdk.trigger('private-encrypted-vault', 'secret', { message: 'hello' });
    assert.equal(res.status, 200);
    assert.deepEqual((await c.next('private-encrypted-vault', 'secret')).data, { message: 'hello' });
  });

  test('batch items on an encrypted channel are passed through too', async () => {
    const c = await client();
    await c.subscribe('private-encrypted-box');
    const res = await sdk.triggerBatch([
      { channel: 'private-encrypted-box', name: 'sealed', data: { n: 1 } },
      { channel: 'health', name: 'open', data: { n: 2 } },
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual((await c.next('private-encrypted-box', 'sealed')).data, { n: 1 });
  });

  test('an encrypted channel among several channels is refused with 400', async () => {
    assert.throws(() => sdk.trigger(['private-encrypted-vault', 'other'], 'e', {}), /multiple channels/);
    const r = await post('/events', {
      name: 'e',
      data: '{}',
      channels: ['private-encrypted-vault', 'other'],
    });
    assert.equal(r.status, 400);
    await stillServes();
  });
});

describe('POST /batch_events', () => {
  test('ten events are delivered in order and answer 200 {}', async () => {
    const c = await client();
    await c.subscribe('batch-a');
    await c.subscribe('batch-b');
    const batch = Array.from({ length: 10 }, (_, i) => ({
      channel: i % 2 === 0 ? 'batch-a' : 'batch-b',
      name: `item-${i}`,
      data: { i },
    }));
    const res = await sdk.triggerBatch(batch);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    await c.next('batch-a', 'item-8');
    await c.next('batch-b', 'item-9');
    assert.deepEqual(
      c.received('batch-a').map((e) => e.data),
      [{ i: 0 }, { i: 2 }, { i: 4 }, { i: 6 }, { i: 8 }],
    );
    assert.deepEqual(
      c.received('batch-b').map((e) => e.event),
      ['item-1', 'item-3', 'item-5', 'item-7', 'item-9'],
    );
  });

  test('an item socket_id excludes that connection from that item only', async () => {
    const a = await client();
    const b = await client();
    await a.subscribe('batch-ex');
    await b.subscribe('batch-ex');
    const res = await sdk.triggerBatch([
      { channel: 'batch-ex', name: 'not-for-a', data: {}, socket_id: a.socketId },
      { channel: 'batch-ex', name: 'for-all', data: {} },
    ]);
    assert.equal(res.status, 200);
    await a.next('batch-ex', 'for-all');
    await b.next('batch-ex', 'for-all');
    assert.deepEqual(
      a.received('batch-ex').map((e) => e.event),
      ['for-all'],
    );
    assert.deepEqual(
      b.received('batch-ex').map((e) => e.event),
      ['not-for-a', 'for-all'],
    );
  });

  test('eleven events are refused with 400 and none of them is delivered', async () => {
    const c = await client();
    await c.subscribe('batch-11');
    const batch = Array.from({ length: 11 }, (_, i) => ({ channel: 'batch-11', name: `n-${i}`, data: {} }));
    const r = await sdkStatus(sdk.triggerBatch(batch));
    assert.equal(r.status, 400);
    await sdk.trigger('batch-11', 'marker', {});
    await c.next('batch-11', 'marker');
    assert.deepEqual(
      c.received('batch-11').map((e) => e.event),
      ['marker'],
    );
  });

  test('per-item info: element i holds item i attributes, {} where none were asked', async () => {
    const p1 = await client({ user_id: 'batch-u1' });
    const p2 = await client({ user_id: 'batch-u2' });
    await p1.subscribe('presence-batch');
    await p2.subscribe('presence-batch');
    await p1.subscribe('batch-info');
    const res = await sdk.triggerBatch([
      { channel: 'presence-batch', name: 'e', data: {}, info: 'user_count,subscription_count' },
      { channel: 'batch-info', name: 'e', data: {} },
      { channel: 'batch-info', name: 'e', data: {}, info: 'subscription_count,user_count' },
      { channel: 'nobody-here', name: 'e', data: {}, info: 'subscription_count' },
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      batch: [
        { user_count: 2, subscription_count: 2 },
        {},
        { subscription_count: 1 },
        { subscription_count: 0 },
      ],
    });
  });

  test('a bad item fails the whole batch with its status (400, or 413 for big data); nothing is sent', async () => {
    const c = await client();
    await c.subscribe('batch-bad');
    const cases: [unknown[], number][] = [
      [
        [
          { channel: 'batch-bad', name: 'ok', data: '{}' },
          { channel: 'bad name', name: 'e', data: '{}' },
        ],
        400,
      ],
      [
        [
          { channel: 'batch-bad', name: 'ok', data: '{}' },
          { channel: 'batch-bad', name: 'pusher:x', data: '{}' },
        ],
        400,
      ],
      [
        [
          { channel: 'batch-bad', name: 'ok', data: '{}' },
          { name: 'no-channel', data: '{}' },
        ],
        400,
      ],
      [[{ channel: 'batch-bad', name: 'ok', data: '{}' }, 'not an object'], 400],
      [
        [
          { channel: 'batch-bad', name: 'ok', data: '{}' },
          { channel: 'batch-bad', name: 'e', data: 'x'.repeat(10241) },
        ],
        413,
      ],
    ];
    for (const [batch, status] of cases) {
      const r = await post('/batch_events', { batch });
      assert.equal(r.status, status, JSON.stringify(batch).slice(0, 120));
    }
    for (const body of [{}, { batch: 'x' }, { batch: [] }]) {
      assert.equal((await post('/batch_events', body)).status, 400, JSON.stringify(body));
    }
    await sdk.trigger('batch-bad', 'marker', {});
    await c.next('batch-bad', 'marker');
    assert.deepEqual(
      c.received('batch-bad').map((e) => e.event),
      ['marker'],
    );
  });
});
