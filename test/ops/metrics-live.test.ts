/**
 * The webhook and adapter metrics moved by the real modules (test/ops/metrics.test.ts feeds them
 * synthetic events): a real receiver answering 500 then 200, and two nodes on a real Redis passing
 * events to each other. Both nodes share the Redis webhook queue, so either may deliver a batch: the
 * webhook figures are summed over both scrapes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { HeraldConfigInput } from '../../src/config/config.js';
import { deletePrefix, REDIS_URL, sdk, uniquePrefix } from '../helpers/cluster.js';
import { type Scrape, scrape } from '../helpers/metrics.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const prefix = uniquePrefix();
let receiver: WebhookReceiver;
let a: TestServer;
let b: TestServer;
const raws: RawClient[] = [];

function config(): HeraldConfigInput {
  return {
    metrics: { enabled: true, port: 0 },
    adapter: { driver: 'redis', redisUrl: REDIS_URL, prefix, nodeTimeout: 2 },
    webhooks: {
      batchSize: 10,
      batchWindowMs: 20,
      delayMs: 0,
      timeoutMs: 1000,
      retryWindowMs: 60_000,
      retryBaseMs: 50,
      retryMaxMs: 100,
    },
    apps: [{ ...TEST_APP, webhooks: [{ url: receiver.url('/hook'), events: ['channel_occupied'] }] }],
  };
}

const url = (s: TestServer) => `http://127.0.0.1:${s.metricsPort}/metrics`;
const both = () => Promise.all([scrape(url(a)), scrape(url(b))]);
const total = (scrapes: Scrape[], name: string, labels: Record<string, string> = {}) =>
  scrapes.reduce((n, s) => n + s.sum(name, labels), 0);

async function raw(node: TestServer): Promise<RawClient> {
  const r = await RawClient.open(node.port);
  raws.push(r);
  return r;
}

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  a = await startHerald(config());
  b = await startHerald(config());
});

after(async () => {
  for (const r of raws) r.close();
  await Promise.all([a?.close(), b?.close()]);
  await receiver?.close();
  await deletePrefix(REDIS_URL, prefix);
  const redis = new Redis(REDIS_URL);
  const base = `{${prefix}:webhooks}`;
  await redis.del(
    ...['due', 'batches', 'targets', 'leases', 'dead', 'dead-order', 'held', 'held-due'].map(
      (k) => `${base}:${k}`,
    ),
  );
  await redis.quit();
});

describe('metrics moved by real deliveries and real Redis traffic', () => {
  it('a receiver answering 500 then 200: failed 1, retried 1, sent 1 (batches and events)', async () => {
    const before = await both();
    receiver.mode = 500;
    // The answer is chosen when a request arrives: the first gets 500, every later one 200.
    const first = receiver.waitFor('a first attempt', () => {
      if (receiver.requests.length === 0) return false;
      receiver.mode = 200;
      return true;
    });
    const c = await raw(a);
    await c.join(sdk(a.port), 'hooked');
    await first;
    await receiver.waitFor('the retry accepted', () => receiver.accepted.length === 1);
    const app = { app_id: 'app-id' };
    // 'sent' is counted once the queue acknowledged the 200, a moment after the receiver answered.
    let after: Scrape[] = [];
    await eventually('sent counted', async () => {
      after = await both();
      assert.equal(total(after, 'herald_webhooks_total', { ...app, outcome: 'sent' }), 1);
    });
    const delta = (outcome: string, name = 'herald_webhooks_total') =>
      total(after, name, { ...app, outcome }) - total(before, name, { ...app, outcome });
    assert.equal(receiver.requests.length, 2);
    assert.ok(receiver.requests.every((r) => r.valid));
    assert.equal(delta('failed'), 1);
    assert.equal(delta('retried'), 1);
    assert.equal(delta('sent'), 1);
    assert.equal(delta('dead_lettered'), 0);
    assert.equal(delta('sent', 'herald_webhook_events_total'), 1, 'one channel_occupied');
  });

  it('events across nodes: one publish per event on the sender, one receive on the other node, same bytes', async () => {
    const onA = await raw(a);
    const onB = [await raw(b), await raw(b)];
    for (const c of [onA, ...onB]) await c.join(sdk(c === onA ? a.port : b.port), 'wire-metrics');
    const [beforeA, beforeB] = await both();
    for (let i = 0; i < 5; i++) await sdk(a.port).trigger('wire-metrics', 'tick', { i });
    // A node counts a receive before it writes to its sockets: once B's clients have all five, B
    // counted all five.
    for (const c of [onA, ...onB]) {
      await eventually('five ticks', async () =>
        assert.equal(
          c.count((f) => f.event === 'tick'),
          5,
        ),
      );
    }
    const [afterA, afterB] = await both();
    const op = (op: string) => ({ op });
    assert.equal(afterA.delta(beforeA, 'herald_adapter_messages_total', op('publish')), 5);
    assert.equal(afterB.delta(beforeB, 'herald_adapter_messages_total', op('receive')), 5);
    assert.equal(afterA.delta(beforeA, 'herald_adapter_messages_total', op('receive')), 0, 'not its own');
    assert.equal(afterB.delta(beforeB, 'herald_adapter_messages_total', op('publish')), 0);
    const sentBytes = afterA.delta(beforeA, 'herald_adapter_bytes_total', op('publish'));
    assert.ok(sentBytes > 0);
    assert.equal(afterB.delta(beforeB, 'herald_adapter_bytes_total', op('receive')), sentBytes);
  });

  it('the Redis round trip is sampled on every heartbeat', async () => {
    // Heartbeats run on a timer (every nodeTimeout / 5 = 400 ms here), so how many fall between two
    // scrapes depends on when the scrapes happen: only "it keeps growing" is exact. Every sample is
    // one real EVALSHA round trip, so count, +Inf bucket and a positive sum must agree.
    const before = await scrape(url(a));
    let after = before;
    await eventually('two more heartbeats sampled', async () => {
      after = await scrape(url(a));
      assert.ok(after.delta(before, 'herald_adapter_rtt_seconds_count') >= 2);
    });
    const count = after.delta(before, 'herald_adapter_rtt_seconds_count');
    assert.equal(after.delta(before, 'herald_adapter_rtt_seconds_bucket', { le: '+Inf' }), count);
    assert.ok(after.delta(before, 'herald_adapter_rtt_seconds_sum') > 0);
  });
});
