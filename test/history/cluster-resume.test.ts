/**
 * Resume across nodes: two Herald nodes share history in Redis (Streams, under a unique prefix). A
 * signed-in pusher-js client on node A loses its connection for 10 s while 100 events are published;
 * its reconnect lands on node B, which gives it every missed event once and in order, then live ones.
 * The same idempotency key sent to both nodes at once publishes once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseRedisUrl } from '../../src/adapters/redis/connect.js';
import { RedisHistoryStore } from '../../src/history/redis-store.js';
import { connected, pusherOptions } from '../helpers/clients.js';
import { REDIS_URL, uniquePrefix } from '../helpers/cluster.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

let prefix: string;
let a: TestServer;
let b: TestServer;
let proxy: TcpProxy;
const clients: PusherJs[] = [];

before(async () => {
  prefix = uniquePrefix();
  const config = {
    adapter: { redisUrl: REDIS_URL, prefix },
    apps: [
      {
        id: 'app-id',
        key: 'app-key',
        secret: 'app-secret',
        history: [{ channels: 'history-*', size: 500, ttlSeconds: 600, resumeSeconds: 60 } as never],
      },
    ],
  };
  a = await startHerald(config);
  b = await startHerald(config);
  proxy = await TcpProxy.start(a.port);
});

after(async () => {
  for (const c of clients) c.disconnect();
  await proxy.close();
  await Promise.all([a.close(), b.close()]);
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('two nodes on Redis', () => {
  test('a 10 s cut, the reconnect goes to the other node: 100 missed events once and in order, then live', async () => {
    const channel = 'history-cluster';
    const client = new PusherJs(a.app.key, {
      ...pusherOptions(a, { user: { id: 'frank' } }),
      wsPort: proxy.port,
    } as never);
    clients.push(client);
    const got: number[] = [];
    client.connection.bind('message', (m: { event: string; channel?: string; data?: { n: number } }) => {
      if (m.channel === channel && m.event === 'tick') got.push(m.data!.n);
    });
    await connected(client, 10_000);
    client.signin();
    await client.user.signinDonePromise;
    await new Promise<void>((resolve) =>
      client.subscribe(channel).bind('pusher:subscription_succeeded', () => resolve()),
    );
    const viaA = sdkFor(a);
    const viaB = sdkFor(b);
    for (const n of range(1, 5)) await viaA.trigger(channel, 'tick', { n });
    await until('the live events', () => got.length === 5);

    const cutAt = Date.now();
    proxy.cut();
    proxy.retarget(b.port);
    await until('node A to see the drop', () => a.herald.connectionCount === 0, 10_000);
    // Published on both nodes, alternating: the serials still give one order.
    for (const n of range(6, 105)) await (n % 2 ? viaA : viaB).trigger(channel, 'tick', { n });
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - cutAt))));
    proxy.restore();

    await until('the reconnect on node B', () => b.herald.connectionCount === 1, 40_000);
    await until('the missed events', () => got.length >= 105, 20_000);
    await viaB.trigger(channel, 'tick', { n: 106 });
    await until('the live event', () => got.length >= 106);
    assert.deepEqual(got, range(1, 106));
  });

  test('the same idempotency key sent to both nodes at once publishes once; both get the first answer', async () => {
    const channel = 'idem-both';
    const client = new PusherJs(a.app.key, pusherOptions(a) as never);
    clients.push(client);
    const got: unknown[] = [];
    await connected(client, 10_000);
    const ch = client.subscribe(channel);
    ch.bind('tick', (d: unknown) => got.push(d));
    ch.bind('marker', (d: unknown) => got.push(d));
    await new Promise<void>((resolve) => ch.bind('pusher:subscription_succeeded', () => resolve()));

    const key = `order-${Date.now()}`;
    // The official SDK's generic signed POST, with the body field (the header form is in http.test.ts).
    const post = (node: TestServer) =>
      sdkFor(node)
        .post({
          path: '/events',
          body: {
            name: 'tick',
            channel,
            data: JSON.stringify({ once: true }),
            info: 'subscription_count',
            idempotency_key: key,
          } as never, // the SDK stringifies it; its typing says string
        })
        .then(async (r) => [r.status, await r.json()]);
    const answers = await Promise.all([post(a), post(b)]);
    assert.deepEqual(answers, [
      [200, { channels: { [channel]: { subscription_count: 1 } } }],
      [200, { channels: { [channel]: { subscription_count: 1 } } }],
    ]);
    // Barrier: the marker is published after both; the event must have arrived exactly once before it.
    await sdkFor(b).trigger(channel, 'marker', { marker: true });
    await until('the marker', () => got.length > 0 && JSON.stringify(got.at(-1)) === '{"marker":true}');
    assert.deepEqual(got, [{ once: true }, { marker: true }]);
  });

  test('a node that stored an event and died before publishing it: the other nodes read it back, in order', async () => {
    const channel = 'history-gap';
    // Signed in first, so its subscription does not wait for a sign-in.
    const client = new PusherJs(b.app.key, pusherOptions(b, { user: { id: 'gus' } }) as never);
    clients.push(client);
    const got: number[] = [];
    client.connection.bind('message', (m: { event: string; channel?: string; data?: { n: number } }) => {
      if (m.channel === channel && m.event === 'tick') got.push(m.data!.n);
    });
    await connected(client, 10_000);
    client.signin();
    await client.user.signinDonePromise;
    await new Promise<void>((resolve) =>
      client.subscribe(channel).bind('pusher:subscription_succeeded', () => resolve()),
    );
    const viaA = sdkFor(a);
    await viaA.trigger(channel, 'tick', { n: 1 });
    await until('the first event', () => got.length === 1);
    // What a node does before it broadcasts, without the broadcast: serial 2 exists only in Redis.
    const redis = parseRedisUrl(REDIS_URL).create('command');
    await redis.connect();
    const store = new RedisHistoryStore(redis, prefix);
    const frame = JSON.stringify({ event: 'tick', channel, data: JSON.stringify({ n: 2 }) });
    await store.append('app-id', channel, frame, Date.now(), { size: 500, ttlSeconds: 600 });
    redis.disconnect();
    await viaA.trigger(channel, 'tick', { n: 3 });
    await until('the events after the gap', () => got.length === 3);
    assert.deepEqual(got, [1, 2, 3]);
  });
});
