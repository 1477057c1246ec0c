/**
 * Three Herald processes on different ports sharing the real Redis (a unique key prefix), driven by the
 * official pusher-js and pusher SDK spread across the nodes: nothing a client or SDK sees may reveal
 * that there is more than one node. The fault cases (SIGKILL, SIGTERM) run last.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  connected,
  deletePrefix,
  pusherClient,
  REDIS_URL,
  sdk,
  spawnNode,
  stop,
  subscribed,
  uniquePrefix,
} from '../helpers/cluster.js';
import type { HeraldProcess } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually, waitFor } from '../helpers/wait.js';

const prefix = uniquePrefix();
let nodes: HeraldProcess[] = [];
const clients: PusherJs[] = [];
const raws: RawClient[] = [];

const port = (i: number) => nodes[i]!.port;
function client(i: number, who: Parameters<typeof pusherClient>[1] = {}): PusherJs {
  const c = pusherClient(port(i), who);
  clients.push(c);
  return c;
}
async function raw(i: number): Promise<RawClient> {
  const r = await RawClient.open(port(i));
  raws.push(r);
  return r;
}
/** A signed GET on node `i`; the shape is checked by the assertions that use it. */
async function apiGet<T = Record<string, unknown>>(
  i: number,
  path: string,
  params: Record<string, string> = {},
): Promise<T> {
  const res = await sdk(port(i)).get({ path, params });
  return res.json();
}

before(async () => {
  nodes = await Promise.all(
    [0, 1, 2].map(() => spawnNode(REDIS_URL, prefix, { HERALD_APP_SUBSCRIPTION_COUNT: 'true' })),
  );
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const r of raws) r.close();
  await Promise.all(nodes.map((n) => stop(n)));
  await deletePrefix(REDIS_URL, prefix);
});

describe('three nodes behind one Redis', () => {
  it('an API event on one node reaches subscribers on every node once; socket_id exclusion holds', async () => {
    const cs = [client(0), client(1), client(2)];
    const channels = await Promise.all(cs.map((c) => subscribed(c, 'news')));
    const got: unknown[][] = [[], [], []];
    const excluded: number[] = [0, 0, 0];
    channels.forEach((ch, i) => {
      ch.bind('update', (d: unknown) => got[i]!.push(d));
      ch.bind('excluded', () => excluded[i]!++);
    });
    const markers = channels.map((ch) => waitFor('marker', (done) => ch.bind('marker', done)));
    const api = sdk(port(1));
    await api.trigger('news', 'update', { n: 1 });
    await api.trigger('news', 'excluded', {}, { socket_id: cs[2]!.connection.socket_id });
    await api.trigger('news', 'marker', {});
    await Promise.all(markers);
    assert.deepEqual(got, [[{ n: 1 }], [{ n: 1 }], [{ n: 1 }]]);
    assert.deepEqual(excluded, [1, 1, 0]);
  });

  it('client events cross nodes on private channels and never echo', async () => {
    const a = client(0);
    const b = client(2);
    const [ca, cb] = await Promise.all([subscribed(a, 'private-chat'), subscribed(b, 'private-chat')]);
    const echoed: unknown[] = [];
    ca.bind('client-typing', (d: unknown) => echoed.push(d));
    const atB = waitFor<unknown>('client event on node 2', (done) => cb.bind('client-typing', done));
    ca.trigger('client-typing', { who: 'a' });
    assert.deepEqual(await atB, { who: 'a' });
    const back = waitFor<unknown>('reply on node 0', (done) => ca.bind('client-reply', done));
    cb.trigger('client-reply', { who: 'b' });
    assert.deepEqual(await back, { who: 'b' });
    assert.deepEqual(echoed, [], 'the sender did not get its own event');
  });

  it('presence: one user on two nodes is one member; member_removed only when the last leaves', async () => {
    const bob = client(2, { userId: 'bob', userInfo: { name: 'Bob' } });
    const room = await subscribed(bob, 'presence-room');
    const added: string[] = [];
    const removed: string[] = [];
    room.bind('pusher:member_added', (m: { id: string }) => added.push(m.id));
    room.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));

    const alice1 = client(0, { userId: 'alice', userInfo: { name: 'Alice' } });
    const firstAdd = waitFor('member_added', (done) => room.bind('pusher:member_added', done));
    await subscribed(alice1, 'presence-room');
    await firstAdd;
    const alice2 = client(1, { userId: 'alice', userInfo: { name: 'Alice' } });
    const second = await subscribed(alice2, 'presence-room');
    assert.equal(second.members.count, 2);
    assert.deepEqual(second.members.get('bob'), { id: 'bob', info: { name: 'Bob' } });

    for (const i of [0, 1, 2]) {
      assert.deepEqual(
        await apiGet(i, '/channels/presence-room', { info: 'user_count,subscription_count' }),
        {
          occupied: true,
          user_count: 2,
          subscription_count: 3,
        },
      );
      const users = await apiGet<{ users: { id: string }[] }>(i, '/channels/presence-room/users');
      assert.deepEqual(users.users.map((u) => u.id).sort(), ['alice', 'bob']);
    }

    alice1.disconnect();
    await eventually('alice1 gone', async () => {
      const info = await apiGet(2, '/channels/presence-room', { info: 'subscription_count' });
      assert.equal(info.subscription_count, 2);
    });
    assert.deepEqual(added, ['alice'], 'the second connection of a member is not announced');
    assert.deepEqual(removed, [], 'alice is still there through node 1');

    const gone = waitFor('member_removed', (done) => room.bind('pusher:member_removed', done));
    alice2.disconnect();
    await gone;
    assert.deepEqual(removed, ['alice']);
  });

  it('encrypted channels: triggered on one node, decrypted by a client on another', async () => {
    const c = client(2);
    const ch = await subscribed(c, 'private-encrypted-vault');
    const got = waitFor<unknown>('decrypted event', (done) => ch.bind('secret', done));
    await sdk(port(0)).trigger('private-encrypted-vault', 'secret', { code: 42 });
    assert.deepEqual(await got, { code: 42 });
  });

  it('cache channels: the last event triggered on one node is replayed to a subscriber on another', async () => {
    await sdk(port(0)).trigger('cache-prices', 'price', { eur: 1.08 });
    const r = await raw(2);
    await r.join(sdk(port(2)), 'cache-prices');
    const replay = await r.next(
      (f) => f.channel === 'cache-prices' && f.event !== 'pusher_internal:subscription_succeeded',
    );
    assert.deepEqual([replay.event, replay.payload], ['price', { eur: 1.08 }]);
    assert.deepEqual(await apiGet(1, '/channels/cache-prices', { info: 'cache' }), {
      occupied: true,
      cache: { data: JSON.stringify({ eur: 1.08 }), ttl: 1800 },
    });
  });

  it('HTTP API reads answer for the whole cluster on every node', async () => {
    const [r0, r1, r2] = await Promise.all([raw(0), raw(1), raw(2)]);
    await r0.join(sdk(port(0)), 'stats-a');
    await r1.join(sdk(port(1)), 'stats-a');
    await r2.join(sdk(port(2)), 'stats-b');
    for (const i of [0, 1, 2]) {
      const all = await apiGet(i, '/channels', { filter_by_prefix: 'stats-', info: 'subscription_count' });
      assert.deepEqual(all, {
        channels: { 'stats-a': { subscription_count: 2 }, 'stats-b': { subscription_count: 1 } },
      });
    }
    const res = await sdk(port(2)).trigger('stats-a', 'ping', {}, { info: 'subscription_count' });
    assert.deepEqual(await res.json(), { channels: { 'stats-a': { subscription_count: 2 } } });
  });

  it('sendToUser, watchlists and terminate_connections reach users on other nodes', async () => {
    const dave = await raw(0);
    await dave.signedInWith(sdk(port(0)), { id: 'dave', watchlist: ['erin'] });
    await dave.next((f) => f.event === 'pusher_internal:watchlist_events');
    const erin = await raw(2);
    await erin.signedInWith(sdk(port(2)), { id: 'erin' });
    const online = await dave.next(
      (f) =>
        f.event === 'pusher_internal:watchlist_events' &&
        JSON.stringify(f.payload).includes('"online"') &&
        JSON.stringify(f.payload).includes('erin'),
    );
    assert.deepEqual(online.payload, { events: [{ name: 'online', user_ids: ['erin'] }] });

    await sdk(port(1)).sendToUser('erin', 'hello', { x: 1 });
    const hello = await erin.next((f) => f.event === 'hello');
    assert.deepEqual([hello.channel, hello.payload], ['#server-to-user-erin', { x: 1 }]);

    await sdk(port(1)).terminateUserConnections('erin');
    assert.equal((await erin.closed).code, 4009);
    const offline = await dave.next(
      (f) => f.event === 'pusher_internal:watchlist_events' && JSON.stringify(f.payload).includes('offline'),
    );
    assert.deepEqual(offline.payload, { events: [{ name: 'offline', user_ids: ['erin'] }] });
  });

  it('bad input still gets the Pusher answer on a clustered node, which keeps serving', async () => {
    const r = await raw(1);
    r.emit('pusher:subscribe', { channel: 'private-x', auth: 'app-key:bad' });
    const err = await r.next((f) => f.event === 'pusher:error');
    assert.match(JSON.stringify(err.payload), /signature|auth/i, 'a failed authorization is refused');
    const res = await sdk(port(1))
      .post({ path: '/events', body: { name: 'e', channels: ['bad name!'], data: '{}' } as never })
      .catch((e: { status: number; body: string }) => e);
    assert.equal((res as { status: number }).status, 400);
    assert.match((res as { body: string }).body, /bad name!/, 'the 400 names the bad channel');
    await r.join(sdk(port(1)), 'after-error');
    const ok = await sdk(port(2)).trigger('after-error', 'fine', { ok: true });
    assert.equal(ok.status, 200);
    assert.deepEqual((await r.next((f) => f.event === 'fine')).payload, { ok: true });
  });

  it('SIGKILL: the dead node’s members and channels are cleaned up and announced within the bound', async () => {
    const observer = client(0, { userId: 'olga' });
    const watch = await subscribed(observer, 'presence-watch');
    const zed = await raw(2);
    await zed.join(sdk(port(2)), 'presence-watch', { user_id: 'zed' });
    await zed.join(sdk(port(2)), 'lonely');
    const counter = await raw(0);
    await counter.join(sdk(port(0)), 'counted');
    await zed.join(sdk(port(2)), 'counted');
    await counter.next(
      (f) => f.event === 'pusher_internal:subscription_count' && JSON.stringify(f.payload).includes(':2'),
    );
    await waitFor('zed joined', (done) => {
      if (watch.members.get('zed')) done(undefined);
      else watch.bind('pusher:member_added', done);
    });

    const removed = waitFor<{ id: string }>(
      'member_removed after SIGKILL (bound: node timeout 3 s)',
      (done) => watch.bind('pusher:member_removed', done),
      10_000,
    );
    await stop(nodes[2]!, 'SIGKILL');
    assert.equal((await removed).id, 'zed');
    assert.deepEqual(await apiGet(0, '/channels/lonely'), { occupied: false });
    const users = await apiGet(1, '/channels/presence-watch/users');
    assert.deepEqual(users, { users: [{ id: 'olga' }] });
    const count = await counter.next(
      (f) => f.event === 'pusher_internal:subscription_count' && JSON.stringify(f.payload).includes(':1'),
    );
    assert.deepEqual(
      count.payload,
      { subscription_count: 1 },
      'the surviving subscriber learns the new count',
    );
  });

  it('SIGTERM: clients get 4200, the others see a clean leave, and the node exits 0', async () => {
    const observer = client(0, { userId: 'oscar' });
    await connected(observer);
    const hall = await subscribed(observer, 'presence-hall');
    const yan = await raw(1);
    await yan.join(sdk(port(1)), 'presence-hall', { user_id: 'yan' });
    await waitFor('yan joined', (done) => {
      if (hall.members.get('yan')) done(undefined);
      else hall.bind('pusher:member_added', done);
    });
    const removed = waitFor<{ id: string }>('member_removed after SIGTERM', (done) =>
      hall.bind('pusher:member_removed', done),
    );
    nodes[1]!.child.kill('SIGTERM');
    assert.equal((await yan.closed).code, 4200);
    assert.equal((await removed).id, 'yan');
    assert.equal(await nodes[1]!.exited, 0, nodes[1]!.output());
  });
});
