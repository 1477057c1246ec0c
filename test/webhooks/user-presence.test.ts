/**
 * Server-side user_online / user_offline webhooks: once per user (not per tab), cluster-wide, when a
 * signed-in user's first connection opens and 3 s after their last one closes, cancelled by a
 * reconnect within 3 s. Two Herald nodes on the real Redis (shared queue and held events), pusher-js
 * `signin()` on both, every request validated by the official SDK.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { pusherClient, REDIS_URL } from '../helpers/cluster.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

let receiver: WebhookReceiver;
let a: TestServer;
let b: TestServer;
const open: PusherJs[] = [];

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  const prefix = `herald-test-${randomUUID()}`;
  const config = {
    adapter: { driver: 'redis' as const, redisUrl: REDIS_URL, prefix, nodeTimeout: 10 },
    webhooks: { batchWindowMs: 20 },
    apps: [
      {
        ...TEST_APP,
        webhooks: [
          { url: receiver.url('/users'), events: ['user_online' as const, 'user_offline' as const] },
        ],
      },
    ],
  };
  [a, b] = await Promise.all([startHerald(config), startHerald(config)]);
});
after(async () => {
  for (const c of open) c.disconnect();
  await Promise.all([a.close(), b.close()]);
  await receiver.close();
});

/** A pusher-js tab signed in as `userId` on a node. */
async function tab(node: TestServer, userId: string): Promise<PusherJs> {
  const client = pusherClient(node.port, { userId });
  open.push(client);
  const signedIn = waitFor<void>(`${userId} signed in`, (done) =>
    client.bind('pusher:signin_success', () => done()),
  );
  client.signin();
  await signedIn;
  return client;
}

const events = (name: string, userId: string) =>
  receiver.acceptedEvents('/users').filter((e) => e.name === name && e.user_id === userId);

test('one user_online for two tabs on two nodes, one user_offline 3 s after the last closes', async () => {
  const t1 = await tab(a, 'alice');
  await receiver.waitFor('alice online', () => events('user_online', 'alice').length === 1);
  const t2 = await tab(b, 'alice');
  t1.disconnect();
  // The marker: bob's online is sent after both of alice's tabs changed; nothing for alice meanwhile.
  await tab(a, 'bob');
  await receiver.waitFor('bob online', () => events('user_online', 'bob').length === 1);
  assert.equal(events('user_online', 'alice').length, 1, 'a second tab is not a second user_online');
  assert.equal(events('user_offline', 'alice').length, 0, 'one tab left, alice is still online');

  t2.disconnect();
  await receiver.waitFor('alice offline', () => events('user_offline', 'alice').length === 1, 30_000);
  const online = receiver.accepted.find((r) =>
    r.events.some((e) => e.name === 'user_online' && e.user_id === 'alice'),
  );
  const offline = receiver.accepted.find((r) =>
    r.events.some((e) => e.name === 'user_offline' && e.user_id === 'alice'),
  );
  assert.ok(online && offline);
  assert.deepEqual(
    offline.events.find((e) => e.user_id === 'alice'),
    { name: 'user_offline', user_id: 'alice' },
    'the payload names the user and nothing else',
  );
  assert.ok(
    receiver.requests.every((r) => r.valid),
    'every request passes the SDK validation',
  );
});

test('a reconnect within 3 s cancels both: no user_offline and no second user_online', async () => {
  const first = await tab(a, 'carol');
  await receiver.waitFor('carol online', () => events('user_online', 'carol').length === 1);
  first.disconnect();
  // Back within the window, on the other node.
  await tab(b, 'carol');
  // The marker: dave goes online and offline after carol's reconnect; his offline is due after any
  // offline of carol's would have been, so by then hers would have arrived.
  const dave = await tab(a, 'dave');
  dave.disconnect();
  await receiver.waitFor('dave offline', () => events('user_offline', 'dave').length === 1, 30_000);
  assert.equal(events('user_offline', 'carol').length, 0, 'the reconnect cancelled the offline');
  assert.equal(events('user_online', 'carol').length, 1, 'and the second online');
});
