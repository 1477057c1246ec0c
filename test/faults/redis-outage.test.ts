/**
 * Redis shut down, then restarted empty, under two Herald nodes (processes) on a private redis-server,
 * with official clients on both: what must hold is no silent 200 with a loss (a trigger that cannot
 * reach the other node is refused with 503 and Retry-After), /ready reporting the degraded state while
 * staying 200, and after Redis returns empty no duplicate member_added (frames or webhooks).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { md5Hex, signApiRequest } from '../../src/protocol/signatures.js';
import { joinAs, KEY, pusherClient, SECRET, sdk, spawnNode, stop, uniquePrefix } from '../helpers/cluster.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import type { HeraldProcess } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { eventually, waitFor } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const APP = { id: 'app-id', key: KEY, secret: SECRET };
let redis: PrivateRedis;
let receiver: WebhookReceiver;
let a: HeraldProcess;
let b: HeraldProcess;
const clients: PusherJs[] = [];

before(async () => {
  redis = await PrivateRedis.start();
  receiver = await WebhookReceiver.start(APP);
  const apps = [
    {
      ...APP,
      clientEvents: true,
      webhooks: [
        { url: receiver.url('/hook'), events: ['channel_occupied', 'member_added', 'member_removed'] },
      ],
    },
  ];
  const env = { HERALD_APPS: JSON.stringify(apps), HERALD_WEBHOOK_DELAY_MS: '0' };
  const prefix = uniquePrefix();
  [a, b] = await Promise.all([spawnNode(redis.url, prefix, env), spawnNode(redis.url, prefix, env)]);
});
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([stop(a), stop(b)]);
  await receiver.close();
  await redis.stop();
});

const join = (port: number, userId: string, channel: string) => joinAs(port, userId, channel, clients);

async function ready(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * A trigger signed like the SDK's (its error object drops the response headers, and the Retry-After of
 * a refusal is part of what is checked).
 */
async function trigger(
  port: number,
  channel: string,
  name: string,
): Promise<{ status: number; retryAfter: string | null }> {
  const body = JSON.stringify({ name, channels: [channel], data: JSON.stringify({ at: Date.now() }) });
  const path = `/apps/${APP.id}/events`;
  const params: [string, string][] = [
    ['auth_key', APP.key],
    ['auth_timestamp', String(Math.floor(Date.now() / 1000))],
    ['auth_version', '1.0'],
    ['body_md5', md5Hex(body)],
  ];
  params.push(['auth_signature', signApiRequest(APP.secret, 'POST', path, params)]);
  const res = await fetch(`http://127.0.0.1:${port}${path}?${new URLSearchParams(params)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

test('Redis down: 503 not silent 200, /ready degraded; back empty: no duplicate member_added', async () => {
  // A watcher on node B; alice joins on node B's room from node A; a feed subscriber on node B.
  const seen: string[] = [];
  const watch = await join(b.port, 'watcher', 'presence-room');
  watch.bind('pusher:member_added', (m: { id: string }) => seen.push(`+${m.id}`));
  watch.bind('pusher:member_removed', (m: { id: string }) => seen.push(`-${m.id}`));
  watch.bind('marker', (d: { n: number }) => seen.push(`marker${d.n}`));
  await join(a.port, 'alice', 'presence-room');
  await eventually('alice at the watcher', async () => assert.deepEqual(seen, ['+alice']));
  const feed: string[] = [];
  const feedClient = pusherClient(b.port);
  clients.push(feedClient);
  const feedChannel = feedClient.subscribe('feed');
  await waitFor('feed', (done) => feedChannel.bind('pusher:subscription_succeeded', () => done(undefined)));
  feedChannel.bind_global((event: string) => {
    if (!event.startsWith('pusher')) feed.push(event);
  });
  await receiver.waitFor('member_added alice webhook', () =>
    receiver.acceptedEvents('/hook').some((e) => e.name === 'member_added' && e.user_id === 'alice'),
  );
  assert.deepEqual((await ready(a.port)).body, { ready: true });

  await redis.stop();
  // Every trigger to node A while Redis is away: refused with Retry-After, or (before the node saw the
  // outage) accepted and then delivered across.
  const accepted: string[] = [];
  let refused = 0;
  for (let i = 0; i < 20; i++) {
    const r = await trigger(a.port, 'feed', `during-${i}`);
    if (r.status === 200) accepted.push(`during-${i}`);
    else {
      assert.equal(r.status, 503);
      assert.equal(r.retryAfter, '2');
      refused++;
    }
  }
  assert.ok(refused > 0, 'triggers are refused while Redis is down');
  const degraded = await ready(a.port);
  assert.equal(degraded.status, 200, 'a degraded node stays in the load balancer');
  assert.equal(degraded.body['status'], 'degraded');
  assert.match(String(degraded.body['degraded']), /redis/);

  await redis.restartEmpty();
  let n = 0;
  await eventually(
    'cross-node triggers again',
    async () => {
      const tag = `after-${++n}`;
      assert.equal((await trigger(a.port, 'feed', tag)).status, 200);
      await eventually('delivered', async () => assert.ok(feed.includes(tag)), 1000);
    },
    20_000,
  );
  for (const event of accepted) assert.ok(feed.includes(event), `${event} was answered 200 and must arrive`);
  await eventually('/ready back to ok', async () =>
    assert.deepEqual((await ready(a.port)).body, { ready: true }),
  );
  await eventually(
    'alice written back',
    async () => {
      const res = (await (await sdk(b.port).get({ path: '/channels/presence-room/users' })).json()) as {
        users: { id: string }[];
      };
      assert.deepEqual(res.users.map((u) => u.id).sort(), ['alice', 'watcher']);
    },
    20_000,
  );

  // A marker after the write-back: nothing about alice may arrive before it.
  await eventually('the marker', async () => {
    await trigger(a.port, 'presence-room', 'marker');
    await eventually(
      'marker at the watcher',
      async () => assert.ok(seen.some((s) => s.startsWith('marker'))),
      1000,
    );
  });
  const beforeMarker = seen.slice(
    0,
    seen.findIndex((s) => s.startsWith('marker')),
  );
  assert.deepEqual(beforeMarker, ['+alice'], 'no duplicate member_added and no false member_removed');

  // Webhooks: bob joins now; by his webhook, no second member_added for alice was sent.
  await join(a.port, 'bob', 'presence-room');
  await receiver.waitFor('member_added bob webhook', () =>
    receiver.acceptedEvents('/hook').some((e) => e.name === 'member_added' && e.user_id === 'bob'),
  );
  const events = receiver.acceptedEvents('/hook');
  assert.equal(events.filter((e) => e.name === 'member_added' && e.user_id === 'alice').length, 1);
  assert.equal(
    events.filter((e) => e.name === 'channel_occupied' && e.channel === 'presence-room').length,
    1,
  );
  assert.equal(events.filter((e) => e.name === 'member_removed').length, 0);
  const ids = receiver.accepted.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'no webhook request delivered twice');
});

test('Redis down: a member joining and leaving on one node is announced there', async () => {
  await redis.stop();
  await eventually('node A degraded', async () =>
    assert.equal((await ready(a.port)).body['status'], 'degraded'),
  );
  const seen: string[] = [];
  const watch = await join(a.port, 'lookout', 'presence-local');
  watch.bind('pusher:member_added', (m: { id: string }) => seen.push(`+${m.id}`));
  watch.bind('pusher:member_removed', (m: { id: string }) => seen.push(`-${m.id}`));
  await join(a.port, 'carol', 'presence-local');
  await eventually('carol joined', async () => assert.deepEqual(seen, ['+carol']));
  // The node's own share answers: carol's last socket leaving is her leave, announced on this node.
  clients.at(-1)!.disconnect();
  await eventually('carol left', async () => assert.deepEqual(seen, ['+carol', '-carol']));
  await redis.restartEmpty();
});
