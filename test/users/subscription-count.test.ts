/** Subscription counting (CH-20) through pusher-js and raw frames, per-app switch, channel info. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { signAuth } from '../../src/protocol/signatures.js';
import { once } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { pusherJsFor } from './clients.js';

const OFF_APP = { id: 'count-off', key: 'count-off-key', secret: 'count-off-secret' };

let server: TestServer;
let sdk: PusherServer;

before(async () => {
  server = await startHerald({
    apps: [
      { ...TEST_APP, subscriptionCount: true },
      { ...OFF_APP, subscriptionCount: false },
    ],
  });
  sdk = sdkFor(server);
});
after(() => server.close());

function subscribe(raw: RawClient, channel: string, app: { key: string; secret: string } = server.app) {
  const data: Record<string, string> = { channel };
  if (channel.startsWith('presence-')) {
    data['channel_data'] = JSON.stringify({ user_id: raw.socketId });
    data['auth'] = signAuth(app.key, app.secret, `${raw.socketId}:${channel}:${data['channel_data']}`);
  } else if (channel.startsWith('private-')) {
    data['auth'] = signAuth(app.key, app.secret, `${raw.socketId}:${channel}`);
  }
  raw.send({ event: 'pusher:subscribe', data });
}

const countFrame = (channel: string, n: number) =>
  JSON.stringify({
    event: 'pusher_internal:subscription_count',
    channel,
    data: JSON.stringify({ subscription_count: n }),
  });

test('pusher-js: pusher:subscription_count on every subscribe and unsubscribe, channel.subscriptionCount kept', async () => {
  const a = pusherJsFor(server, sdk);
  const b = pusherJsFor(server, sdk);
  try {
    const chA = a.subscribe('count-js');
    assert.deepEqual(await once(chA, 'pusher:subscription_count'), { subscription_count: 1 });
    const two = once(chA, 'pusher:subscription_count');
    const chB = b.subscribe('count-js');
    assert.deepEqual(await once(chB, 'pusher:subscription_count'), { subscription_count: 2 });
    assert.deepEqual(await two, { subscription_count: 2 });
    assert.equal(chA.subscriptionCount, 2);
    const one = once(chA, 'pusher:subscription_count');
    b.unsubscribe('count-js');
    assert.deepEqual(await one, { subscription_count: 1 });
    const back = once(chA, 'pusher:subscription_count');
    b.subscribe('count-js');
    assert.deepEqual(await back, { subscription_count: 2 });
    const afterClose = once(chA, 'pusher:subscription_count');
    b.disconnect(); // a closed connection leaves its channels like an unsubscribe (CH-17)
    assert.deepEqual(await afterClose, { subscription_count: 1 });
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('raw: exact frame after subscription_succeeded, public and private; info=subscription_count agrees', async () => {
  for (const channel of ['count-raw', 'private-count-raw', 'cache-count-raw']) {
    const c1 = await RawClient.open(server.wsUrl());
    subscribe(c1, channel);
    await c1.next('pusher_internal:subscription_succeeded');
    assert.equal((await c1.next('pusher_internal:subscription_count')).raw, countFrame(channel, 1));
    const c2 = await RawClient.open(server.wsUrl());
    subscribe(c2, channel);
    assert.equal((await c2.next('pusher_internal:subscription_count')).raw, countFrame(channel, 2));
    assert.equal((await c1.next('pusher_internal:subscription_count')).raw, countFrame(channel, 2));
    const info = await sdk.get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } });
    assert.deepEqual(await info.json(), { occupied: true, subscription_count: 2 });
    c1.close();
    assert.equal((await c2.next('pusher_internal:subscription_count')).raw, countFrame(channel, 1));
    c2.close();
  }
});

test('never on presence or private-encrypted channels', async () => {
  for (const channel of ['presence-count', 'private-encrypted-count']) {
    const c1 = await RawClient.open(server.wsUrl());
    subscribe(c1, channel);
    await c1.next('pusher_internal:subscription_succeeded');
    const c2 = await RawClient.open(server.wsUrl());
    subscribe(c2, channel);
    await c2.next('pusher_internal:subscription_succeeded');
    const seen = [...(await c1.drain()), ...(await c2.drain())];
    assert.ok(!seen.some((f) => f.event === 'pusher_internal:subscription_count'), JSON.stringify(seen));
    const info = await sdk.get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } });
    assert.equal(((await info.json()) as { subscription_count: number }).subscription_count, 2);
    c1.close();
    c2.close();
  }
});

test('an app with subscriptionCount off sends none', async () => {
  const url = server.wsUrl(`/app/${OFF_APP.key}?protocol=7`);
  const c1 = await RawClient.open(url);
  subscribe(c1, 'quiet', OFF_APP);
  await c1.next('pusher_internal:subscription_succeeded');
  const c2 = await RawClient.open(url);
  subscribe(c2, 'quiet', OFF_APP);
  await c2.next('pusher_internal:subscription_succeeded');
  assert.deepEqual([...(await c1.drain()), ...(await c2.drain())], []);
  c1.close();
  c2.close();
});
