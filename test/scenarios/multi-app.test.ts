/**
 * Two tenants on one Herald using the same channel names and the same user ids: nothing crosses from
 * one app to the other (events, presence, client events, channel listings, user termination, cache),
 * and one app's key never signs for the other.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { withUnrefClientTimers } from '../users/clients.js';
import { Inbox, record } from './inbox.js';

const B = { id: 'tenant-b', key: 'tenant-b-key', secret: 'tenant-b-secret' };
let server: TestServer;
let serverB: TestServer;
const clients: PusherJs[] = [];
const EVENTS = [
  'pusher:subscription_succeeded',
  'pusher:member_added',
  'pusher:member_removed',
  'pusher:cache_miss',
  'news',
  'client-ping',
  'barrier',
];

before(async () => {
  server = await startHerald({
    apps: [
      { ...TEST_APP, clientEvents: true },
      { ...B, clientEvents: true },
    ],
  });
  // The same node seen through app B's credentials.
  serverB = { ...server, app: B };
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

async function join(s: TestServer, user: string, channels: string[]) {
  const client = pusherClient(s, { user: { id: user, info: { app: s.app.id } } });
  clients.push(client);
  const inbox = new Inbox();
  for (const ch of channels) record(client, ch, inbox, EVENTS);
  for (const ch of channels) await inbox.event(ch, 'pusher:subscription_succeeded');
  return { client, inbox };
}

test('same channels and user ids in two apps never meet', async () => {
  const chans = ['news', 'presence-room', 'private-room'];
  const a1 = await join(server, 'u1', chans);
  const b1 = await join(serverB, 'u1', chans);
  const b2 = await join(serverB, 'u2', chans);

  // Presence: app A's room holds only u1 even though app B has u1 and u2.
  const roomA = a1.client.channel('presence-room') as unknown as { members: { count: number } };
  await b1.inbox.event('presence-room', 'pusher:member_added');
  assert.equal(roomA.members.count, 1);
  const usersA = (await (
    await sdkFor(server).get({ path: '/channels/presence-room/users' })
  ).json()) as unknown;
  const usersB = (await (await sdkFor(serverB).get({ path: '/channels/presence-room/users' })).json()) as {
    users: { id: string }[];
  };
  assert.deepEqual(usersA, { users: [{ id: 'u1' }] });
  assert.deepEqual(usersB.users.map((u) => u.id).sort(), ['u1', 'u2']);
  const countB = (await (
    await sdkFor(serverB).get({ path: '/channels/news', params: { info: 'subscription_count' } })
  ).json()) as unknown;
  assert.deepEqual(countB, { occupied: true, subscription_count: 2 });

  // Events: a trigger in B reaches B's subscribers only; a client event in B stays in B.
  await sdkFor(serverB).trigger('news', 'news', { from: 'b' });
  await b1.inbox.event('news', 'news');
  await b2.inbox.event('news', 'news');
  b2.client.channel('private-room')!.trigger('client-ping', { from: 'b2' });
  await b1.inbox.event('private-room', 'client-ping');

  // A socket id from app B used as app A's exclusion excludes nobody in A.
  await sdkFor(server).trigger('news', 'news', { from: 'a' }, { socket_id: b1.client.connection.socket_id });
  assert.deepEqual((await a1.inbox.event('news', 'news')).data, { from: 'a' });

  for (const ch of chans) await sdkFor(server).trigger(ch, 'barrier', {});
  for (const ch of chans) await a1.inbox.event(ch, 'barrier');
  assert.deepEqual(
    a1.inbox.take((s) => s.event !== 'barrier').map((s) => `${s.channel}/${s.event}`),
    [],
    'app A heard nothing of app B',
  );
});

test("terminating user u1 in app B leaves app A's u1 connected", async () => {
  const a = await join(server, 'u9', ['news']);
  const b = await join(serverB, 'u9', ['news']);
  a.client.signin();
  b.client.signin();
  await a.client.user.signinDonePromise;
  await b.client.user.signinDonePromise;
  const stopped = new Promise<void>((resolve) =>
    b.client.connection.bind('state_change', (s: { current: string }) => {
      if (s.current === 'disconnected' || s.current === 'failed') resolve();
    }),
  );
  // faye-websocket inside pusher-js's Node build arms a 30 s timer on a server-closed socket.
  await withUnrefClientTimers(async () => {
    const res = await sdkFor(serverB).terminateUserConnections('u9');
    assert.equal(res.status, 200);
    await stopped;
  });
  const dm = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('app A user got nothing')), 5000);
    a.client.user.bind('news', (d: unknown) => {
      clearTimeout(timer);
      resolve(d);
    });
  });
  await sdkFor(server).sendToUser('u9', 'news', { still: 'here' });
  assert.deepEqual(await dm, { still: 'here' });
  assert.equal(a.client.connection.state, 'connected');
});

test("cache channels are per app: B's cached event is not replayed to A", async () => {
  await sdkFor(serverB).trigger('cache-ticker', 'news', { price: 1 });
  const a = await join(server, 'c1', []);
  record(a.client, 'cache-ticker', a.inbox, EVENTS);
  await a.inbox.event('cache-ticker', 'pusher:subscription_succeeded');
  await a.inbox.event('cache-ticker', 'pusher:cache_miss');
  const b = await join(serverB, 'c2', []);
  record(b.client, 'cache-ticker', b.inbox, EVENTS);
  assert.deepEqual((await b.inbox.event('cache-ticker', 'news')).data, { price: 1 });
});

test("app A's SDK cannot publish as app B", async () => {
  const forged = sdkFor(server, { appId: B.id });
  await assert.rejects(forged.trigger('news', 'news', {}), (err: { status?: number }) => err.status === 401);
});
