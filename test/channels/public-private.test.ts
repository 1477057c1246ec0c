/**
 * Public and private channels with the official pusher-js (Node build) and the `pusher` SDK
 * (CH-04..CH-06, CH-13, CH-16, CH-17, CH-19, API-08 socket_id exclusion), plus exact frames from a
 * raw client where pusher-js hides them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import {
  connected,
  firedBefore,
  occupiedChannels,
  once,
  pusherClient,
  serverEvent,
} from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
const clients: PusherJs[] = [];

function client(opts: Parameters<typeof pusherClient>[1] = {}): PusherJs {
  const p = pusherClient(server, opts);
  clients.push(p);
  return p;
}

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const p of clients) p.disconnect();
  await server.close();
});

describe('public channels (CH-05, CH-19)', () => {
  test('subscribe, then an SDK trigger arrives with its data parsed by pusher-js', async () => {
    const p = client();
    const ch = p.subscribe('orders');
    await once(ch, 'pusher:subscription_succeeded');
    assert.equal(ch.subscribed, true);
    const got = once<{ id: number }>(ch, 'created');
    await sdkFor(server).trigger('orders', 'created', { id: 7 });
    assert.deepEqual(await got, { id: 7 });
  });

  test('Laravel-style event names with backslashes are delivered unchanged', async () => {
    const p = client();
    const ch = p.subscribe('laravel-orders');
    await once(ch, 'pusher:subscription_succeeded');
    const got = once<{ order: number }>(ch, 'App\\Events\\OrderShipped');
    await sdkFor(server).trigger('laravel-orders', 'App\\Events\\OrderShipped', { order: 12 });
    assert.deepEqual(await got, { order: 12 });
  });

  test('the channel event frame carries data as the exact string published', async () => {
    const raw = await RawClient.open(server);
    await raw.subscribe('exact');
    await sdkFor(server).trigger('exact', 'e', '{ "spaced" : true }');
    const f = await raw.nextEvent('e', 'exact');
    assert.equal(f.raw, '{"event":"e","channel":"exact","data":"{ \\"spaced\\" : true }"}');
    raw.close();
  });

  test('socket_id exclusion: the excluded connection does not receive, others do', async () => {
    const a = client();
    const b = client();
    const [aId] = await Promise.all([connected(a), connected(b)]);
    const ca = a.subscribe('excl');
    const cb = b.subscribe('excl');
    await Promise.all([once(ca, 'pusher:subscription_succeeded'), once(cb, 'pusher:subscription_succeeded')]);
    const bGot = once(cb, 'ping');
    // The marker is published after the excluded event, on the same channel: a leak would come first.
    const aGot = firedBefore(ca, 'ping', 'marker', async () => {
      await sdkFor(server).trigger('excl', 'ping', { n: 1 }, { socket_id: aId });
      assert.deepEqual(await bGot, { n: 1 });
      await sdkFor(server).trigger('excl', 'marker', {});
    });
    assert.equal(await aGot, false);
  });
});

describe('private channels (CH-06)', () => {
  test('the SDK-signed authorization subscribes and receives events', async () => {
    const p = client();
    const ch = p.subscribe('private-ledger');
    await once(ch, 'pusher:subscription_succeeded');
    const got = once(ch, 'entry');
    await sdkFor(server).trigger('private-ledger', 'entry', { amount: 5 });
    assert.deepEqual(await got, { amount: 5 });
  });

  test('a forged authorization: pusher-js sees a pusher:error, the channel is not joined, the connection lives on', async () => {
    const p = client({ forge: true });
    await connected(p);
    const error = once<{ type: string; data: { code: null; message: string } }>(
      p.connection as never,
      'error',
    );
    const ch = p.subscribe('private-vault');
    const err = await error;
    assert.equal(err.data.code, null);
    assert.match(
      err.data.message,
      /^Invalid signature: Expected HMAC SHA256 hex digest of \d+\.\d+:private-vault, but got f+$/,
    );
    assert.equal(ch.subscribed, false);
    assert.deepEqual(await occupiedChannels(server, 'private-vault'), []);
    // The same connection still subscribes to a public channel and receives.
    const pub = p.subscribe('after-forgery');
    await once(pub, 'pusher:subscription_succeeded');
    const got = once(pub, 'ok');
    await sdkFor(server).trigger('after-forgery', 'ok', {});
    assert.deepEqual(await got, {});
    assert.equal(p.connection.state, 'connected');
  });
});

describe('subscribing twice (CH-13)', () => {
  test('a second subscribe on one connection answers "Existing subscription" and events still arrive once', async () => {
    const raw = await RawClient.open(server);
    assert.equal((await raw.subscribe('twice')).event, 'pusher_internal:subscription_succeeded');
    const again = await raw.subscribe('twice');
    assert.deepEqual(again.data, { code: null, message: 'Existing subscription to channel twice' });
    const auth = signAuth('app-key', 'app-secret', channelStringToSign(raw.socketId, 'private-twice'));
    await raw.subscribe('private-twice', { auth });
    assert.equal((await raw.subscribe('private-twice', { auth })).event, 'pusher:error');
    await sdkFor(server).trigger('twice', 'once', 'x');
    await raw.nextEvent('once', 'twice');
    await raw.assertServed();
    assert.equal(raw.frames.filter((f) => f.event === 'once').length, 0, 'delivered exactly once');
    raw.close();
  });

  test('pusher-js subscribing twice keeps one subscription', async () => {
    const p = client();
    const first = p.subscribe('twice-js');
    await once(first, 'pusher:subscription_succeeded');
    const second = p.subscribe('twice-js');
    assert.equal(second, first);
    let n = 0;
    first.bind('tick', () => n++);
    const got = once(first, 'tock');
    await sdkFor(server).trigger('twice-js', 'tick', {});
    await sdkFor(server).trigger('twice-js', 'tock', {});
    await got;
    assert.equal(n, 1);
  });
});

describe('unsubscribe and disconnect (CH-16, CH-17)', () => {
  test('unsubscribe stops delivery and vacates the channel (HTTP channels API)', async () => {
    const p = client();
    const ch = p.subscribe('leaving');
    await once(ch, 'pusher:subscription_succeeded');
    assert.deepEqual(await occupiedChannels(server, 'leaving'), ['leaving']);
    const vacated = serverEvent(server, 'channel_vacated', (e) => e.channel === 'leaving');
    p.unsubscribe('leaving');
    await vacated;
    assert.deepEqual(await occupiedChannels(server, 'leaving'), []);
    // A fresh listener proves the trigger went out; the old one stays silent.
    const watcher = await RawClient.open(server);
    await watcher.subscribe('leaving');
    // Watch the whole connection, not the stale channel object: a marker on a channel the client still
    // has, published after `late`, proves by order that `late` never reached it.
    const still = p.subscribe('still-here');
    await once(still, 'pusher:subscription_succeeded');
    const frames: string[] = [];
    const onMessage = (m: { event: string; channel?: string }) => frames.push(`${m.channel}/${m.event}`);
    p.connection.bind('message', onMessage);
    const marker = once(still, 'marker');
    await sdkFor(server).trigger('leaving', 'late', {});
    await watcher.nextEvent('late', 'leaving');
    await sdkFor(server).trigger('still-here', 'marker', {});
    await marker;
    p.connection.unbind('message', onMessage);
    assert.deepEqual(frames, ['still-here/marker']);
    watcher.close();
  });

  test('disconnect unsubscribes from every channel', async () => {
    const p = client();
    const a = p.subscribe('gone-public');
    const b = p.subscribe('private-gone');
    await Promise.all([once(a, 'pusher:subscription_succeeded'), once(b, 'pusher:subscription_succeeded')]);
    assert.deepEqual(await occupiedChannels(server, 'gone-'), ['gone-public']);
    assert.deepEqual(await occupiedChannels(server, 'private-gone'), ['private-gone']);
    const vacated = Promise.all([
      serverEvent(server, 'channel_vacated', (e) => e.channel === 'gone-public'),
      serverEvent(server, 'channel_vacated', (e) => e.channel === 'private-gone'),
    ]);
    p.disconnect();
    await vacated;
    assert.deepEqual(await occupiedChannels(server, 'gone-'), []);
    assert.deepEqual(await occupiedChannels(server, 'private-gone'), []);
  });

  test('a channel with two subscribers stays occupied until both leave', async () => {
    const a = await RawClient.open(server);
    const b = await RawClient.open(server);
    await a.subscribe('shared');
    await b.subscribe('shared');
    a.send({ event: 'pusher:unsubscribe', data: { channel: 'shared' } });
    await a.assertServed();
    assert.deepEqual(await occupiedChannels(server, 'shared'), ['shared']);
    const vacated = serverEvent(server, 'channel_vacated', (e) => e.channel === 'shared');
    b.ws.terminate();
    await vacated;
    assert.deepEqual(await occupiedChannels(server, 'shared'), []);
    a.close();
  });
});
