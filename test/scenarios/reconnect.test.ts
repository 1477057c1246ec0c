/**
 * pusher-js reconnection against a real Herald, observed only through what pusher-js itself does:
 * a node over capacity (4100) makes it back off and come in once a slot frees, never give up; a Herald
 * restart on the same port (4200 on the way down) makes every client reconnect, sign in again and
 * resubscribe by itself, and presence is rebuilt from those resubscriptions alone.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { connected, pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record, state, stateLog } from './inbox.js';

const clients: PusherJs[] = [];
const servers: TestServer[] = [];

after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.close();
});

/**
 * A TCP front like a load balancer's: when the Herald behind it is down it holds new connections and
 * retries the upstream until it is back (pusher-js alone waits out its 15 s strategy timeout when the
 * port refuses, which is pusher-js's business, not Herald's).
 */
function startFront(upstreamPort: number): Promise<net.Server> {
  const front = net.createServer((down) => {
    down.pause();
    const deadline = Date.now() + 10_000;
    const attempt = () => {
      const up = net.connect(upstreamPort, '127.0.0.1');
      up.once('connect', () => {
        down.pipe(up).pipe(down);
        down.resume();
        down.once('close', () => up.destroy());
        up.once('close', () => down.destroy());
      });
      up.once('error', () => {
        if (Date.now() < deadline && !down.destroyed) setTimeout(attempt, 25);
        else down.destroy();
      });
    };
    down.once('error', () => down.destroy());
    attempt();
  });
  return new Promise((resolve) => front.listen(0, '127.0.0.1', () => resolve(front)));
}

function track<T extends PusherJs>(c: T): T {
  clients.push(c);
  return c;
}

test('node over capacity: pusher-js sees 4100, backs off, and connects once a slot frees', async () => {
  const server = await startHerald({ maxConnections: 2 });
  servers.push(server);
  const a = await RawClient.open(server);
  const b = await RawClient.open(server);

  const client = track(pusherClient(server));
  const log = stateLog(client);
  const errors: unknown[] = [];
  client.connection.bind('error', (e: unknown) => errors.push(e));
  const refused = new Promise<void>((resolve) => {
    const off = server.herald.events.on('connection_refused', (e) => {
      if (e.code === 4100) {
        off();
        resolve();
      }
    });
  });
  await refused;
  // pusher-js is backing off (connecting), not failed: a slot frees and it gets in without help.
  assert.notEqual(client.connection.state, 'failed');
  a.close();
  await connected(client, 10_000);
  assert.ok(!log.includes('failed'), log.join(' → '));
  assert.ok(
    errors.some((e) => JSON.stringify(e).includes('4100')),
    `pusher-js reported the 4100: ${JSON.stringify(errors)}`,
  );
  const news = client.subscribe('capacity-news');
  const inbox = new Inbox();
  record(client, 'capacity-news', inbox, ['pusher:subscription_succeeded', 'update']);
  await inbox.event('capacity-news', 'pusher:subscription_succeeded');
  await sdkFor(server).trigger('capacity-news', 'update', { ok: true });
  assert.deepEqual((await inbox.event('capacity-news', 'update')).data, { ok: true });
  assert.ok(news);
  await b.assertServed();
  b.close();
});

test('Herald restarts on the same port: pusher-js reconnects, signs in, resubscribes; presence is rebuilt', async () => {
  let server = await startHerald();
  const port = server.port;
  const front = await startFront(port);
  const viaFront = { ...server, port: (front.address() as net.AddressInfo).port };
  const room = 'presence-restart';
  const alice = track(pusherClient(viaFront, { user: { id: 'alice', info: { name: 'Alice' } } }));
  const bob = track(pusherClient(viaFront, { user: { id: 'bob', info: { name: 'Bob' } } }));
  const aliceIn = new Inbox();
  const bobIn = new Inbox();
  const roomEvents = ['pusher:subscription_succeeded', 'pusher:member_added', 'pusher:member_removed', 'msg'];
  record(alice, room, aliceIn, roomEvents);
  record(alice, 'private-alice-feed', aliceIn, ['pusher:subscription_succeeded', 'msg']);
  record(bob, room, bobIn, roomEvents);
  record(bob, 'public-feed', bobIn, ['pusher:subscription_succeeded', 'msg']);
  alice.signin();
  await aliceIn.event(room, 'pusher:subscription_succeeded');
  await aliceIn.event('private-alice-feed', 'pusher:subscription_succeeded');
  await bobIn.event(room, 'pusher:subscription_succeeded');
  await bobIn.event('public-feed', 'pusher:subscription_succeeded');
  await aliceIn.event(room, 'pusher:member_added');
  await alice.user.signinDonePromise;
  const oldIds = [alice.connection.socket_id, bob.connection.socket_id];
  const aliceLog = stateLog(alice);
  const bobLog = stateLog(bob);

  // Down: every client gets 4200 (reconnect at once) and keeps trying while nothing listens.
  const codes: number[] = [];
  server.herald.events.on('connection_closed', (e) => codes.push(e.code));
  await server.close();
  await Promise.all([state(alice, 'connecting'), state(bob, 'connecting')]);
  assert.deepEqual(codes, [4200, 4200]);

  server = await startHerald({ port });
  servers.push(server);
  await Promise.all([connected(alice, 10_000), connected(bob, 10_000)]);
  assert.ok(!aliceLog.includes('failed') && !bobLog.includes('failed'), `${aliceLog} / ${bobLog}`);
  assert.notDeepEqual([alice.connection.socket_id, bob.connection.socket_id], oldIds);

  // Resubscribed by pusher-js itself: private (re-authorized for the new socket id), public, presence.
  await aliceIn.event('private-alice-feed', 'pusher:subscription_succeeded', 10_000);
  await bobIn.event('public-feed', 'pusher:subscription_succeeded', 10_000);
  await aliceIn.event(room, 'pusher:subscription_succeeded', 10_000);
  await bobIn.event(room, 'pusher:subscription_succeeded', 10_000);
  const sdk = sdkFor(server);
  const users = async () =>
    ((await (await sdk.get({ path: `/channels/${room}/users` })).json()) as { users: { id: string }[] }).users
      .map((u) => u.id)
      .sort();
  assert.deepEqual(await users(), ['alice', 'bob']);
  for (const c of [alice, bob]) {
    const ch = c.channel(room) as unknown as { members: { count: number } };
    // Whichever came second saw the other in its snapshot; the first saw member_added.
    if (ch.members.count !== 2) {
      await (c === alice ? aliceIn : bobIn).event(room, 'pusher:member_added');
    }
    assert.equal(ch.members.count, 2);
  }

  // Signed in again (a fresh promise since the reconnect): sendToUser reaches her new connection.
  await alice.user.signinDonePromise;
  assert.equal(alice.user.serverToUserChannel?.name, '#server-to-user-alice');
  const dm = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no dm after the restart')), 5000);
    alice.user.bind('dm', (d: unknown) => {
      clearTimeout(timer);
      resolve(d);
    });
  });
  await sdk.sendToUser('alice', 'dm', { hi: 'again' });
  assert.deepEqual(await dm, { hi: 'again' });
  await sdk.trigger('private-alice-feed', 'msg', { n: 1 });
  assert.deepEqual((await aliceIn.event('private-alice-feed', 'msg')).data, { n: 1 });
  await sdk.trigger('public-feed', 'msg', { n: 2 });
  assert.deepEqual((await bobIn.event('public-feed', 'msg')).data, { n: 2 });
  front.close();
});
