/**
 * A live dashboard: one pusher-js client on hundreds of channels (all subscribed in one burst when it
 * connects, and again after every reconnect), and event ordering as subscribers see it: sequential
 * SDK triggers and batches arrive in publish order on every subscriber, and frames a client sends back
 * to back (subscribe then client event) are handled in the order sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import { connected, pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from './inbox.js';

let server: TestServer;
const clients: PusherJs[] = [];

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

function client(): PusherJs {
  const c = pusherClient(server, { user: { id: `u${clients.length}` } });
  clients.push(c);
  return c;
}

describe('dashboard on many channels', () => {
  test('1000 channels subscribed in one burst all succeed, at connect and again after a reconnect', async () => {
    const N = 1000;
    const c = client();
    const names = Array.from({ length: N }, (_, i) =>
      i % 3 === 0 ? `private-metric-${i}` : i % 3 === 1 ? `metric-${i}` : `presence-metric-${i}`,
    );
    const errors: unknown[] = [];
    c.connection.bind('error', (e: unknown) => errors.push(e));
    const succeeded = new Set<string>();
    let wanted = N;
    let done: () => void = () => {};
    const allIn = () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${succeeded.size}/${N} subscribed; errors ${JSON.stringify(errors[0])}`)),
          15_000,
        );
        done = () => {
          clearTimeout(timer);
          resolve();
        };
        if (succeeded.size >= wanted) done();
      });
    for (const name of names) {
      c.subscribe(name).bind('pusher:subscription_succeeded', () => {
        succeeded.add(name);
        if (succeeded.size >= wanted) done();
      });
    }
    await allIn();
    assert.deepEqual(errors, []);

    // Reconnect: pusher-js sends the 1000 subscribes again at once on its new connection.
    succeeded.clear();
    wanted = N;
    c.disconnect();
    c.connect();
    await connected(c);
    await allIn();
    assert.deepEqual(errors, []);

    const inbox = new Inbox();
    record(c, names[N - 1]!, inbox, ['tick']);
    await sdkFor(server).trigger(names[N - 1]!, 'tick', { v: 1 });
    assert.deepEqual((await inbox.event(names[N - 1]!, 'tick')).data, { v: 1 });
    const res = await sdkFor(server).get({ path: '/channels', params: { filter_by_prefix: 'metric-' } });
    assert.equal(Object.keys(((await res.json()) as { channels: object }).channels).length, 333);
  });
});

describe('ordering', () => {
  test('200 sequential SDK triggers arrive in order at three subscribers', async () => {
    const channel = 'private-orders';
    const subs = [client(), client(), client()];
    const seen: number[][] = subs.map(() => []);
    const finished = subs.map(
      (c, i) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`subscriber ${i} got ${seen[i]!.length}`)), 15_000);
          c.subscribe(channel).bind('seq', (d: { n: number }) => {
            seen[i]!.push(d.n);
            if (d.n === 199) {
              clearTimeout(timer);
              resolve();
            }
          });
        }),
    );
    await Promise.all(
      subs.map((c) => {
        const inbox = new Inbox();
        record(c, channel, inbox, ['pusher:subscription_succeeded']);
        return inbox.event(channel, 'pusher:subscription_succeeded');
      }),
    );
    const sdk = sdkFor(server);
    for (let n = 0; n < 200; n++) await sdk.trigger(channel, 'seq', { n });
    await Promise.all(finished);
    const expected = Array.from({ length: 200 }, (_, n) => n);
    for (const s of seen) assert.deepEqual(s, expected);
  });

  test('batches keep item order within and across batches, per channel', async () => {
    const c = client();
    const inbox = new Inbox();
    record(c, 'batch-a', inbox, ['pusher:subscription_succeeded', 'e']);
    record(c, 'batch-b', inbox, ['pusher:subscription_succeeded', 'e']);
    await inbox.event('batch-a', 'pusher:subscription_succeeded');
    await inbox.event('batch-b', 'pusher:subscription_succeeded');
    const sdk = sdkFor(server);
    let n = 0;
    for (let b = 0; b < 10; b++) {
      const batch = Array.from({ length: 10 }, () => {
        const k = n++;
        return { channel: k % 3 === 0 ? 'batch-b' : 'batch-a', name: 'e', data: JSON.stringify({ k }) };
      });
      await sdk.triggerBatch(batch);
    }
    const got: Record<string, number[]> = { 'batch-a': [], 'batch-b': [] };
    const overall: number[] = [];
    for (let i = 0; i < 100; i++) {
      const s = await inbox.next((x) => x.event === 'e', 5000, `event ${i}`);
      got[s.channel]!.push((s.data as { k: number }).k);
      overall.push((s.data as { k: number }).k);
    }
    const all = Array.from({ length: 100 }, (_, k) => k);
    // One subscriber of both channels sees the items in publish order, across channels too.
    assert.deepEqual(overall, all);
    assert.deepEqual(
      got['batch-a'],
      all.filter((k) => k % 3 !== 0),
    );
    assert.deepEqual(
      got['batch-b'],
      all.filter((k) => k % 3 === 0),
    );
  });

  test('subscribe, client events and unsubscribe sent back to back are handled in the order sent', async () => {
    const channel = 'private-pipeline';
    const listener = await RawClient.open(server);
    const auth = (raw: RawClient) =>
      signAuth('app-key', 'app-secret', channelStringToSign(raw.socketId, channel));
    assert.equal(
      (await listener.subscribe(channel, { auth: auth(listener) })).event,
      'pusher_internal:subscription_succeeded',
    );
    const sender = await RawClient.open(server);
    // No waiting between frames: the subscribe is still in flight when the client events arrive.
    sender.send({ event: 'pusher:subscribe', data: { channel, auth: auth(sender) } });
    for (let i = 0; i < 5; i++) sender.send({ event: 'client-step', channel, data: { i } });
    sender.send({ event: 'pusher:unsubscribe', data: { channel } });
    sender.send({ event: 'client-step', channel, data: { i: 'after' } });
    for (let i = 0; i < 5; i++) {
      const f = await listener.nextEvent('client-step', channel);
      assert.equal(f.data, JSON.stringify({ i }));
    }
    const refused = await sender.nextEvent('pusher:error');
    assert.match((refused.data as { message: string }).message, /not subscribed/);
    // Barrier: an SDK event published now arrives after anything the sender's frames caused.
    await sdkFor(server).trigger(channel, 'barrier', {});
    await listener.nextEvent('barrier', channel);
    assert.deepEqual(
      listener.frames.filter((f) => f.event === 'client-step').map((f) => f.raw),
      [],
    );
    await sender.assertServed();
    sender.close();
    listener.close();
  });
});
