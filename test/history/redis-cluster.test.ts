/**
 * History on a real Redis Cluster (three redis-server shards started for this file): a channel's stream,
 * serial and user marks share its hash tag, so every script runs in one slot. Two Herald nodes: events
 * published on one are rewound to a pusher-js subscriber of the other, read back over the HTTP API,
 * and an idempotency key holds across both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connected, pusherClient } from '../helpers/clients.js';
import { uniquePrefix } from '../helpers/cluster.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { type RedisClusterHandle, startRedisCluster } from '../helpers/redis-deployments.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

let redis: RedisClusterHandle;
let a: TestServer;
let b: TestServer;
const clients: PusherJs[] = [];

before(async () => {
  redis = await startRedisCluster(3);
  const config = {
    adapter: { redisUrl: redis.url, prefix: uniquePrefix() },
    apps: [
      {
        id: 'app-id',
        key: 'app-key',
        secret: 'app-secret',
        history: [{ channels: 'feed-*', size: 50, ttlSeconds: 600, rewind: 3 } as never],
      },
    ],
  };
  a = await startHerald(config);
  b = await startHerald(config);
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
});

describe('history on Redis Cluster', () => {
  test('events of many channels (many slots) published on node A are rewound on node B, then live, in order', async () => {
    const channels = Array.from({ length: 20 }, (_, i) => `feed-${i}`);
    const viaA = sdkFor(a);
    for (let n = 1; n <= 5; n++) {
      await viaA.triggerBatch(
        channels.slice(0, 10).map((channel) => ({ channel, name: 'tick', data: { n } })),
      );
      await viaA.triggerBatch(channels.slice(10).map((channel) => ({ channel, name: 'tick', data: { n } })));
    }
    const client = pusherClient(b);
    clients.push(client);
    const got = new Map<string, number[]>(channels.map((c) => [c, []]));
    client.connection.bind('message', (m: { event: string; channel?: string; data?: { n: number } }) => {
      if (m.event === 'tick' && m.channel) got.get(m.channel)!.push(m.data!.n);
    });
    await connected(client, 10_000);
    await Promise.all(
      channels.map(
        (c) =>
          new Promise<void>((resolve) =>
            client.subscribe(c).bind('pusher:subscription_succeeded', () => resolve()),
          ),
      ),
    );
    await viaA.trigger(channels, 'tick', { n: 6 });
    await until('every channel', () => channels.every((c) => got.get(c)!.at(-1) === 6));
    for (const c of channels) assert.deepEqual(got.get(c), [3, 4, 5, 6], c);

    const res = await sdkFor(b).get({ path: '/channels/feed-7/history', params: { after: 4 } });
    const page = (await res.json()) as {
      events: { serial: number }[];
      first_serial: number;
      last_serial: number;
    };
    assert.deepEqual(
      page.events.map((e) => e.serial),
      [5, 6],
    );
    assert.equal(page.last_serial, 6);
  });

  test('an idempotency key holds across both nodes', async () => {
    const post = (node: TestServer) =>
      sdkFor(node).post({
        path: '/events',
        body: {
          name: 'tick',
          channel: 'feed-idem',
          data: '{"n":1}',
          idempotency_key: 'cluster-key',
        } as never,
      });
    await post(a);
    await post(b);
    const res = await sdkFor(a).get({ path: '/channels/feed-idem/history' });
    const page = (await res.json()) as { events: unknown[] };
    assert.equal(page.events.length, 1);
  });
});
