/**
 * Webhooks on a Sentinel-managed Redis and on a Redis Cluster (private redis-server processes): the
 * durable queue and held events open their connections through the adapter's factory, so a
 * `redis-sentinel://` or `redis-cluster://` URL reaches Redis (a batch is only sent after the queue
 * stored it). Every request is validated by the official SDK's `webhook().isValid()`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createRedis } from '../../src/adapters/redis/connect.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import {
  type RedisClusterHandle,
  startRedisCluster,
  startRedisSentinel,
} from '../helpers/redis-deployments.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';
import { connect, subscribed, unsubscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const deployments: [string, () => Promise<RedisClusterHandle>][] = [
  ['Sentinel', () => startRedisSentinel()],
  ['Redis Cluster', () => startRedisCluster(3)],
];

for (const [name, start] of deployments) {
  describe(`webhooks on ${name}`, () => {
    let redis: RedisClusterHandle | null = null;
    let receiver: WebhookReceiver | null = null;
    let node: TestServer | null = null;
    const clients: PusherJs[] = [];
    after(async () => {
      for (const c of clients) c.disconnect();
      await node?.close();
      await receiver?.close();
      await redis?.stop();
    });

    it('occupied, member and vacated webhooks go through the queue in that Redis, valid and once', async () => {
      redis = await start();
      receiver = await WebhookReceiver.start(TEST_APP);
      const prefix = `herald-test-${randomUUID()}`;
      node = await startHerald({
        adapter: { driver: 'redis', redisUrl: redis.url, prefix, nodeTimeout: 10 },
        webhooks: { batchWindowMs: 20, delayMs: 0, retryBaseMs: 40, retryMaxMs: 250 },
        apps: [
          {
            ...TEST_APP,
            webhooks: [
              {
                url: receiver.url('/hook'),
                events: ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed'],
              },
            ],
          },
        ],
      });
      const r = receiver;
      // The receiver fails first: the batches must then wait in that deployment's queue.
      r.mode = 500;
      const client = await connect(node.app, node.port, 'ada');
      clients.push(client);
      await subscribed(client, 'presence-room');
      await unsubscribed(client, 'presence-room');
      await r.waitFor('a refused attempt', () => r.requests.some((q) => q.answered === 500), 15_000);
      const check = createRedis(redis.url, 'durable');
      const batches = `{${prefix}:webhooks}:batches`;
      try {
        assert.ok((await check.hlen(batches)) >= 1, 'the failed batch waits in the queue of that deployment');
        r.mode = 200;
        await r.waitFor('four webhook events', () => r.acceptedEvents('/hook').length >= 4, 15_000);
        assert.ok(
          r.requests.every((q) => q.valid),
          'every request passes the SDK validation',
        );
        assert.deepEqual(
          r
            .acceptedEvents('/hook')
            .map((e) => `${e.name} ${e.channel}${e.user_id ? ` ${e.user_id}` : ''}`)
            .sort(),
          [
            'channel_occupied presence-room',
            'channel_vacated presence-room',
            'member_added presence-room ada',
            'member_removed presence-room ada',
          ],
        );
        const ids = r.accepted.map((q) => q.id);
        assert.equal(new Set(ids).size, ids.length, 'each batch accepted once');
        // Acknowledged just after the receiver answered.
        await eventually('the queue emptied', async () => assert.equal(await check.hlen(batches), 0));
      } finally {
        check.disconnect();
      }
    });
  });
}
