/**
 * Webhooks fire once for the cluster (issue 5): three Herald processes on one Redis, each with the same
 * webhook target, and a real receiver checking every request with the official SDK's
 * `webhook(...).isValid()`. pusher-js clients on every node join and leave the same channels: one
 * channel_occupied, one channel_vacated, one member_added per user (a user on two nodes is one
 * member), one member_removed. A node SIGKILLed while it holds a channel's last member: the survivors
 * send member_removed and channel_vacated once, after the node timeout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { deletePrefix, REDIS_URL, spawnNode, uniquePrefix } from '../helpers/cluster.js';
import { type HeraldProcess, killTree } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { TEST_APP } from '../helpers/server.js';
import { connect, subscribed, unsubscribed } from '../helpers/webhook-clients.js';
import { type WebhookEventJson, WebhookReceiver } from '../helpers/webhook-receiver.js';

const prefix = uniquePrefix();
const NODE_TIMEOUT_S = 2;
let receiver: WebhookReceiver;
const nodes: HeraldProcess[] = [];
const clients: PusherJs[] = [];

/** Every event the receiver accepted, each request counted once (a retry repeats its id). */
function delivered(): WebhookEventJson[] {
  const seen = new Set<string>();
  const out: WebhookEventJson[] = [];
  for (const r of receiver.accepted) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(...r.events);
  }
  return out;
}

function count(name: string, channel: string, userId?: string): number {
  return delivered().filter(
    (e) => e.name === name && e.channel === channel && (userId === undefined || e.user_id === userId),
  ).length;
}

function arrived(name: string, channel: string, userId?: string, ms = 10_000): Promise<void> {
  return receiver.waitFor(`${name} ${channel} ${userId ?? ''}`, () => count(name, channel, userId) > 0, ms);
}

async function client(node: HeraldProcess, userId: string): Promise<PusherJs> {
  const c = await connect(TEST_APP, node.port, userId);
  clients.push(c);
  return c;
}

/**
 * A duplicate would be produced by another node at the same moment as the original. Occupying and
 * vacating a fresh channel through every node and waiting for those webhooks gives any duplicate the
 * time of a full extra round through every node, the queue and the receiver.
 */
async function settle(tag: string, via: HeraldProcess[]): Promise<void> {
  await Promise.all(
    via.map(async (node, i) => {
      const c = await client(node, `settle-${i}`);
      await subscribed(c, `settle-${tag}-${i}`);
      await unsubscribed(c, `settle-${tag}-${i}`);
    }),
  );
  for (let i = 0; i < via.length; i++) await arrived('channel_vacated', `settle-${tag}-${i}`);
}

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  const file = join(mkdtempSync(join(tmpdir(), 'herald-once-')), 'herald.json');
  writeFileSync(
    file,
    JSON.stringify({
      webhooks: { batchSize: 50, batchWindowMs: 20, delayMs: 100, timeoutMs: 1000, retryBaseMs: 50 },
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
    }),
  );
  const env = { HERALD_NODE_TIMEOUT: String(NODE_TIMEOUT_S) };
  nodes.push(
    ...(await Promise.all([0, 1, 2].map(() => spawnNode(REDIS_URL, prefix, env, ['--config', file])))),
  );
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const n of nodes) await killTree(n);
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

describe('webhooks from a three-node cluster', () => {
  it('one occupied / vacated per channel and one added / removed per user, whichever nodes they use', async () => {
    const [n0, n1, n2] = nodes as [HeraldProcess, HeraldProcess, HeraldProcess];
    const aliceA = await client(n0, 'alice');
    const aliceB = await client(n1, 'alice');
    const bob = await client(n2, 'bob');
    // Everyone at once: the nodes race to be first.
    await Promise.all(
      [aliceA, aliceB, bob].flatMap((c) => [subscribed(c, 'presence-once'), subscribed(c, 'once-public')]),
    );
    await arrived('channel_occupied', 'presence-once');
    await arrived('channel_occupied', 'once-public');
    await arrived('member_added', 'presence-once', 'alice');
    await arrived('member_added', 'presence-once', 'bob');

    // alice leaves one of her two nodes: she is still a member.
    await unsubscribed(aliceA, 'presence-once');
    await Promise.all([aliceA, aliceB, bob].map((c) => unsubscribed(c, 'once-public')));
    await arrived('channel_vacated', 'once-public');
    await unsubscribed(bob, 'presence-once');
    await arrived('member_removed', 'presence-once', 'bob');
    assert.equal(count('member_removed', 'presence-once', 'alice'), 0, 'alice is still there through n1');
    await unsubscribed(aliceB, 'presence-once');
    await arrived('member_removed', 'presence-once', 'alice');
    await arrived('channel_vacated', 'presence-once');

    await settle('a', nodes);
    assert.ok(
      receiver.requests.every((r) => r.valid),
      'the SDK accepted every request',
    );
    for (const ch of ['presence-once', 'once-public']) {
      assert.equal(count('channel_occupied', ch), 1, `${ch} occupied once`);
      assert.equal(count('channel_vacated', ch), 1, `${ch} vacated once`);
    }
    for (const user of ['alice', 'bob']) {
      assert.equal(count('member_added', 'presence-once', user), 1, `${user} added once`);
      assert.equal(count('member_removed', 'presence-once', user), 1, `${user} removed once`);
    }
  });

  it('a SIGKILLed node holding the last member: the survivors send member_removed and vacated once', async () => {
    const n2 = nodes[2]!;
    const ghost = await client(n2, 'ghost');
    await subscribed(ghost, 'presence-killed');
    await subscribed(ghost, 'killed-public');
    await arrived('member_added', 'presence-killed', 'ghost');
    await arrived('channel_occupied', 'killed-public');

    await killTree(n2);
    ghost.disconnect();
    // Within the node timeout plus a heartbeat and the batch window; 10 s leaves room on a busy box.
    await arrived('member_removed', 'presence-killed', 'ghost');
    await arrived('channel_vacated', 'presence-killed');
    await arrived('channel_vacated', 'killed-public');

    await settle('b', nodes.slice(0, 2));
    assert.ok(receiver.requests.every((r) => r.valid));
    assert.equal(count('member_removed', 'presence-killed', 'ghost'), 1);
    assert.equal(count('channel_vacated', 'presence-killed'), 1);
    assert.equal(count('channel_vacated', 'killed-public'), 1);
    assert.equal(count('member_added', 'presence-killed', 'ghost'), 1);
  });
});
