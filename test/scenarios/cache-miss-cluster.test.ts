/**
 * `cache_miss` webhooks as a receiver sees them on two Herald nodes sharing Redis: at most once per node
 * for an empty cache channel, and again once the channel was vacated and is joined anew, whichever node
 * saw the vacate and whichever node the new subscriber uses (a node that did not see the vacate used to
 * stay silent for that channel for good).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import {
  deletePrefix,
  REDIS_URL,
  STEADY_NODE_TIMEOUT,
  spawnNode,
  stop,
  uniquePrefix,
} from '../helpers/cluster.js';
import type { HeraldProcess } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { TEST_APP } from '../helpers/server.js';
import { connect, subscribed, unsubscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const prefix = uniquePrefix();
const dir = mkdtempSync(join(tmpdir(), 'herald-cachemiss-'));
let receiver: WebhookReceiver;
let nodes: HeraldProcess[] = [];
const clients: PusherJs[] = [];

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  const file = join(dir, 'herald.json');
  writeFileSync(
    file,
    JSON.stringify({
      webhooks: { batchSize: 50, batchWindowMs: 20, delayMs: 50, timeoutMs: 1000, retryBaseMs: 50 },
      apps: [
        {
          ...TEST_APP,
          webhooks: [{ url: receiver.url('/hook'), events: ['cache_miss', 'channel_vacated'] }],
        },
      ],
    }),
  );
  nodes = await Promise.all(
    [0, 1].map(() =>
      spawnNode(REDIS_URL, prefix, { HERALD_NODE_TIMEOUT: STEADY_NODE_TIMEOUT }, ['--config', file]),
    ),
  );
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.map((n) => stop(n)));
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
  rmSync(dir, { recursive: true, force: true });
});

async function client(node: number, userId: string): Promise<PusherJs> {
  const c = await connect(TEST_APP, nodes[node]!.port, userId);
  clients.push(c);
  return c;
}

const count = (name: string, channel: string) =>
  receiver.acceptedEvents('/hook').filter((e) => e.name === name && e.channel === channel).length;

/** A webhook made after everything before it on both nodes: any duplicate would have come by then. */
async function settle(tag: string): Promise<void> {
  await Promise.all(
    [0, 1].map(async (i) => {
      const c = await client(i, `settle-${i}`);
      await subscribed(c, `settle-${tag}-${i}`);
      await unsubscribed(c, `settle-${tag}-${i}`);
    }),
  );
  await receiver.waitFor(`settle ${tag}`, () =>
    [0, 1].every((i) => count('channel_vacated', `settle-${tag}-${i}`) > 0),
  );
}

test('cache_miss for an empty cache channel on both nodes, and again after a vacate seen by the other node', async () => {
  const channel = 'cache-scoreboard';
  const a = await client(0, 'a');
  const b = await client(1, 'b');
  await subscribed(a, channel);
  await subscribed(b, channel);
  await receiver.waitFor('first cache_miss', () => count('cache_miss', channel) >= 1);
  await settle('one');
  // Known limit: the de-duplication is per node, so each node with subscribers may report once.
  const first = count('cache_miss', channel);
  assert.ok(first >= 1 && first <= 2, `${first} cache_miss for two nodes`);

  // The last subscriber leaves on node 0 (which sees the vacate); a newcomer joins on node 1.
  await unsubscribed(b, channel);
  await unsubscribed(a, channel);
  await receiver.waitFor('vacated', () => count('channel_vacated', channel) >= 1);
  const c = await client(1, 'c');
  await subscribed(c, channel);
  await receiver.waitFor('cache_miss after the vacate', () => count('cache_miss', channel) >= first + 1);
  await settle('two');
  assert.equal(count('cache_miss', channel), first + 1, 'the newcomer is reported once');
});
