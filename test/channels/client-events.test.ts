/**
 * Client events (CE-01..CE-08, CH-19) with pusher-js and a raw client: delivered to the others, never
 * echoed, `user_id` on presence; refused with Pusher's messages on public, encrypted and unsubscribed
 * channels and for apps without client events; 10 per second with a non-closing 4301; size limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import { connected, firedBefore, once, pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkMarker } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';

let server: TestServer;
const clients: PusherJs[] = [];

function client(userId?: string): PusherJs {
  const p = pusherClient(server, userId ? { user: { id: userId } } : {});
  clients.push(p);
  return p;
}

async function rawJoin(channel: string, userId = 'raw') {
  const raw = await RawClient.open(server);
  return { raw, reply: await subscribeRaw(raw, channel, userId) };
}

async function subscribeRaw(
  raw: RawClient,
  channel: string,
  userId = 'raw',
  key = 'app-key',
  secret = 'app-secret',
) {
  const extra: Record<string, unknown> = {};
  if (channel.startsWith('presence-')) {
    const data = JSON.stringify({ user_id: userId });
    extra['channel_data'] = data;
    extra['auth'] = signAuth(key, secret, channelStringToSign(raw.socketId, channel, data));
  } else if (channel.startsWith('private-')) {
    extra['auth'] = signAuth(key, secret, channelStringToSign(raw.socketId, channel));
  }
  const reply = await raw.subscribe(channel, extra);
  assert.equal(reply.event, 'pusher_internal:subscription_succeeded', reply.raw);
  return reply;
}

async function errorMessage(raw: RawClient, code: number | null = null): Promise<string> {
  const f = await raw.nextEvent('pusher:error');
  assert.equal((f.data as { code: unknown }).code, code, f.raw);
  return (f.data as { message: string }).message;
}

before(async () => {
  server = await startHerald({
    apps: [
      { ...TEST_APP, clientEvents: true },
      { id: 'quiet-id', key: 'quiet-key', secret: 'quiet-secret', clientEvents: false },
    ],
  });
});
after(async () => {
  for (const p of clients) p.disconnect();
  await server.close();
});

describe('delivery (CE-01, CE-05, CE-06)', () => {
  test('private: other subscribers receive it, the sender does not', async () => {
    const a = client();
    const b = client();
    const ca = a.subscribe('private-chat');
    const cb = b.subscribe('private-chat');
    await Promise.all([once(ca, 'pusher:subscription_succeeded'), once(cb, 'pusher:subscription_succeeded')]);
    const got = once(cb, 'client-typing');
    // An echo would be written in the same broadcast as b's copy, so before any later SDK marker.
    const echoed = firedBefore(ca, 'client-typing', 'marker', async () => {
      assert.equal(ca.trigger('client-typing', { who: 'a' }), true);
      assert.deepEqual(await got, { who: 'a' });
      await sdkMarker(server, 'private-chat')();
    });
    assert.equal(await echoed, false);
  });

  test("presence: user_id of the sender's membership is added; the same user's other connection receives it", async () => {
    const tab1 = client('alice');
    const tab2 = client('alice');
    const bob = client('bob');
    const chans = [tab1, tab2, bob].map((p) => p.subscribe('presence-room'));
    await Promise.all(chans.map((c) => once(c, 'pusher:subscription_succeeded')));
    const meta = new Promise<{ data: unknown; meta: unknown }>((resolve) =>
      chans[2]!.bind('client-wave', (data: unknown, m: unknown) => resolve({ data, meta: m })),
    );
    const otherTab = once(chans[1]!, 'client-wave');
    const echoed = firedBefore(chans[0]!, 'client-wave', 'marker', async () => {
      chans[0]!.trigger('client-wave', { hi: 1 });
      assert.deepEqual(await meta, { data: { hi: 1 }, meta: { user_id: 'alice' } });
      assert.deepEqual(await otherTab, { hi: 1 });
      await sdkMarker(server, 'presence-room')();
    });
    assert.equal(await echoed, false);
  });

  test('raw frames: object data is forwarded as a JSON string, string data as sent, user_id a string', async () => {
    const a = await rawJoin('presence-frames', '7');
    const b = await rawJoin('presence-frames', '8');
    a.raw.send({ event: 'client-obj', channel: 'presence-frames', data: { x: [1, 2] } });
    assert.equal(
      (await b.raw.nextEvent('client-obj')).raw,
      '{"event":"client-obj","channel":"presence-frames","data":"{\\"x\\":[1,2]}","user_id":"7"}',
    );
    a.raw.send({ event: 'client-str', channel: 'presence-frames', data: 'plain text', user_id: 'spoofed' });
    assert.equal(
      (await b.raw.nextEvent('client-str')).raw,
      '{"event":"client-str","channel":"presence-frames","data":"plain text","user_id":"7"}',
    );
    const p = await rawJoin('private-frames');
    const q = await rawJoin('private-frames');
    p.raw.send({ event: 'client-x', channel: 'private-frames', data: { y: 1 } });
    assert.equal(
      (await q.raw.nextEvent('client-x')).raw,
      '{"event":"client-x","channel":"private-frames","data":"{\\"y\\":1}"}',
    );
    for (const c of [a, b, p, q]) c.raw.close();
  });

  test('dotted names (Laravel Echo whisper style) pass', async () => {
    const p = client();
    await connected(p);
    const ch = p.subscribe('private-laravel');
    const other = client().subscribe('private-laravel');
    await Promise.all([
      once(ch, 'pusher:subscription_succeeded'),
      once(other, 'pusher:subscription_succeeded'),
    ]);
    const got = once(other, 'client-App.Typing');
    ch.trigger('client-App.Typing', { t: 1 });
    assert.deepEqual(await got, { t: 1 });
  });
});

describe('client_event for webhooks (CE-09)', () => {
  test('each accepted client event is reported once, with string data and the presence user_id', async () => {
    const a = await rawJoin('presence-hooked', 'h1');
    const b = await rawJoin('presence-hooked', 'h2');
    const seen: unknown[] = [];
    const off = server.herald.events.on('client_event', (e) => {
      if (e.channel === 'presence-hooked') seen.push(e);
    });
    a.raw.send({ event: 'client-note', channel: 'presence-hooked', data: { k: 1 } });
    a.raw.send({ event: 'client-note', channel: 'public-nope', data: {} });
    await b.raw.nextEvent('client-note');
    await a.raw.nextEvent('pusher:error');
    off();
    assert.deepEqual(seen, [
      {
        type: 'client_event',
        appId: 'app-id',
        channel: 'presence-hooked',
        event: 'client-note',
        data: '{"k":1}',
        socketId: a.raw.socketId,
        ip: '127.0.0.1',
        userId: 'h1',
      },
    ]);
    a.raw.close();
    b.raw.close();
  });
});

describe('refusals (CE-02..CE-04, CE-08): pusher:error, connection kept', () => {
  test('public channel', async () => {
    const { raw } = await rawJoin('lobby');
    raw.send({ event: 'client-x', channel: 'lobby', data: {} });
    assert.match(await errorMessage(raw), /only supported on private and presence channels/);
    await raw.assertServed();
    raw.close();
  });

  test('encrypted channel', async () => {
    const { raw } = await rawJoin('private-encrypted-room');
    const other = await rawJoin('private-encrypted-room');
    raw.send({ event: 'client-x', channel: 'private-encrypted-room', data: {} });
    assert.match(await errorMessage(raw), /not supported on encrypted channel/);
    // The refusal came back, so the frame was handled: a pong asked for now is written after any leak.
    const leaked = await other.raw.receivedBefore(
      (f) => f.event === 'client-x',
      (f) => f.event === 'pusher:pong',
      () => other.raw.send({ event: 'pusher:ping', data: {} }),
    );
    assert.deepEqual(leaked, []);
    await raw.assertServed();
    raw.close();
    other.raw.close();
  });

  test('a channel the sender is not subscribed to: Pusher text', async () => {
    const listener = await rawJoin('private-elsewhere');
    const raw = await RawClient.open(server);
    raw.send({ event: 'client-x', channel: 'private-elsewhere', data: {} });
    assert.equal(
      await errorMessage(raw),
      'Cannot broadcast client event (connection not subscribed to channel private-elsewhere)',
    );
    // A failed subscription does not count either.
    await raw.subscribe('private-elsewhere', { auth: 'app-key:bad' });
    raw.send({ event: 'client-x', channel: 'private-elsewhere', data: {} });
    assert.match(await errorMessage(raw), /^Cannot broadcast client event/);
    // Nor does a subscription to another private channel (which authorizes the connection).
    await subscribeRaw(raw, 'private-mine');
    raw.send({ event: 'client-x', channel: 'private-elsewhere', data: {} });
    assert.match(await errorMessage(raw), /^Cannot broadcast client event/);
    const leaked = await listener.raw.receivedBefore(
      (f) => f.event === 'client-x',
      (f) => f.event === 'marker',
      sdkMarker(server, 'private-elsewhere'),
    );
    assert.deepEqual(leaked, []);
    await raw.assertServed();
    raw.close();
    listener.raw.close();
  });

  test('an app without client events: Pusher text', async () => {
    const q = await RawClient.open(server, '/app/quiet-key?protocol=7');
    await subscribeRaw(q, 'private-quiet', 'raw', 'quiet-key', 'quiet-secret');
    q.send({ event: 'client-x', channel: 'private-quiet', data: {} });
    assert.equal(
      await errorMessage(q),
      'To send client events, you must enable this feature in the Settings page of your dashboard.',
    );
    await q.assertServed();
    q.close();
  });

  test('data over 10 KB and names over 200 characters are refused; exactly at the limits they pass', async () => {
    const a = await rawJoin('private-big');
    const b = await rawJoin('private-big');
    a.raw.send({ event: 'client-big', channel: 'private-big', data: 'x'.repeat(10 * 1024 + 1) });
    assert.match(await errorMessage(a.raw), /over the limit/);
    a.raw.send({ event: `client-${'n'.repeat(200)}`, channel: 'private-big', data: {} });
    assert.match(await errorMessage(a.raw), /longer than 200/);
    // Exactly at both limits: a 200-character name and 10,240 bytes of data pass.
    const fits = `client-fits${'n'.repeat(189)}`;
    a.raw.send({ event: fits, channel: 'private-big', data: 'x'.repeat(10 * 1024) });
    // The refused big and long-named events were handled before the one that fits; nothing of them may arrive.
    const leaked = await b.raw.receivedBefore(
      (f) => f.event !== fits && f.event.startsWith('client-'),
      (f) => f.event === fits,
      () => undefined,
    );
    assert.deepEqual(leaked, []);
    a.raw.close();
    b.raw.close();
  });
});

describe('rate limit (CE-07)', () => {
  test('past 10 per second: pusher:error 4301 per dropped event, the connection stays open', async () => {
    const a = await rawJoin('private-burst');
    const b = await rawJoin('private-burst');
    const total = 25;
    let delivered = 0;
    let rejected = 0;
    const done = new Promise<void>((resolve) => {
      const check = () => {
        if (delivered + rejected === total) resolve();
      };
      b.raw.ws.on('message', (d) => {
        if (d.toString().startsWith('{"event":"client-burst"')) {
          delivered++;
          check();
        }
      });
      a.raw.ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as { event: string; data: { code: number; message: string } };
        if (f.event === 'pusher:error' && delivered + rejected < total) {
          assert.deepEqual(f.data, { code: 4301, message: 'Client event rejected due to rate limit' });
          rejected++;
          check();
        }
      });
    });
    for (let i = 0; i < total; i++)
      a.raw.send({ event: 'client-burst', channel: 'private-burst', data: { i } });
    await done;
    // One burst spans at most two one-second windows.
    assert.ok(delivered >= 10 && delivered <= 20, `delivered ${delivered}`);
    assert.equal(rejected, total - delivered);
    assert.equal(a.raw.ws.readyState, a.raw.ws.OPEN);
    await a.raw.assertServed();
    a.raw.close();
    b.raw.close();
  });
});
