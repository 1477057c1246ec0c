/** Watchlist events (UA-08) in pusher-js's format: initial status, first-connection online, last-connection offline. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { once } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { pusherJsFor } from './clients.js';

const QUIET_APP = { id: 'wl-off', key: 'wl-off-key', secret: 'wl-off-secret' };

let server: TestServer;
let sdk: PusherServer;
const creds = () => ({ key: server.app.key, secret: server.app.secret });

before(async () => {
  server = await startHerald({ apps: [{ ...TEST_APP }, { ...QUIET_APP, watchlistEvents: false }] });
  sdk = sdkFor(server);
});
after(() => server.close());

async function signedIn(id: string, watchlist?: string[], app: { key: string; secret: string } = creds()) {
  const url = app.key === server.app.key ? server.wsUrl() : server.wsUrl(`/app/${app.key}?protocol=7`);
  const raw = await RawClient.open(url);
  await raw.signedIn(watchlist ? { id, watchlist } : { id }, app);
  return raw;
}

function frame(name: 'online' | 'offline', ids: string[]): string {
  return JSON.stringify({
    event: 'pusher_internal:watchlist_events',
    data: JSON.stringify({ events: [{ name, user_ids: ids }] }),
  });
}

test('exact frames: status after sign-in, online on the first connection only, offline on the last only', async () => {
  const already = await signedIn('r-on');
  const watcher = await signedIn('r-watcher', ['r-on', 'r-later']);
  const status = await watcher.next('pusher_internal:watchlist_events');
  assert.equal(
    status.raw,
    JSON.stringify({
      event: 'pusher_internal:watchlist_events',
      data: JSON.stringify({
        events: [
          { name: 'online', user_ids: ['r-on'] },
          { name: 'offline', user_ids: ['r-later'] },
        ],
      }),
    }),
  );
  assert.equal(status.channel, undefined);

  const later1 = await signedIn('r-later');
  assert.equal((await watcher.next('pusher_internal:watchlist_events')).raw, frame('online', ['r-later']));
  const later2 = await signedIn('r-later');
  // A second connection of an online user is not news.
  assert.deepEqual(await watcher.drain(), []);
  later1.close();
  await later1.closed;
  assert.deepEqual(await watcher.drain(), []);
  later2.close();
  assert.equal((await watcher.next('pusher_internal:watchlist_events')).raw, frame('offline', ['r-later']));
  // Unwatched users come and go silently; the watched user that was online all along never changed.
  const stranger = await signedIn('r-stranger');
  stranger.close();
  await stranger.closed;
  assert.deepEqual(await watcher.drain(), []);
  for (const c of [already, watcher]) c.close();
});

test('no watchlist, no status frame; watching yourself shows you online', async () => {
  const plain = await signedIn('r-plain');
  assert.deepEqual(await plain.drain(), []);
  const self = await signedIn('r-self', ['r-self']);
  assert.equal((await self.next('pusher_internal:watchlist_events')).raw, frame('online', ['r-self']));
  plain.close();
  self.close();
});

test('pusher-js: user.watchlist.bind(online/offline) gets each event with its user_ids', async () => {
  const bob = await signedIn('js-bob');
  const client = pusherJsFor(server, sdk, { user: { id: 'js-alice', watchlist: ['js-bob', 'js-carol'] } });
  try {
    const firstOnline = once<{ name: string; user_ids: string[] }>(client.user.watchlist, 'online');
    const firstOffline = once<{ name: string; user_ids: string[] }>(client.user.watchlist, 'offline');
    client.signin();
    assert.deepEqual(await firstOnline, { name: 'online', user_ids: ['js-bob'] });
    assert.deepEqual(await firstOffline, { name: 'offline', user_ids: ['js-carol'] });

    const carolOnline = once<{ user_ids: string[] }>(client.user.watchlist, 'online');
    const carol = await signedIn('js-carol');
    assert.deepEqual((await carolOnline).user_ids, ['js-carol']);

    const bobOffline = once<{ user_ids: string[] }>(client.user.watchlist, 'offline');
    bob.close();
    assert.deepEqual((await bobOffline).user_ids, ['js-bob']);
    carol.close();
  } finally {
    client.disconnect();
  }
});

test('pusher-js watching a pusher-js user: the watched client disconnecting sends offline', async () => {
  const watcher = pusherJsFor(server, sdk, { user: { id: 'js-w', watchlist: ['js-w-target'] } });
  const target = pusherJsFor(server, sdk, { user: { id: 'js-w-target' } });
  try {
    const initial = once<{ user_ids: string[] }>(watcher.user.watchlist, 'offline');
    watcher.signin();
    assert.deepEqual((await initial).user_ids, ['js-w-target']);
    const online = once<{ user_ids: string[] }>(watcher.user.watchlist, 'online');
    target.signin();
    assert.deepEqual((await online).user_ids, ['js-w-target']);
    const offline = once<{ user_ids: string[] }>(watcher.user.watchlist, 'offline');
    target.disconnect();
    assert.deepEqual((await offline).user_ids, ['js-w-target']);
  } finally {
    watcher.disconnect();
    target.disconnect();
  }
});

test('an app with watchlistEvents off sends no watchlist frames at all', async () => {
  const watched = await signedIn('q-1', undefined, QUIET_APP);
  const watcher = await signedIn('q-2', ['q-1', 'q-3'], QUIET_APP);
  const late = await signedIn('q-3', undefined, QUIET_APP);
  late.close();
  await late.closed;
  assert.deepEqual(await watcher.drain(), []);
  watched.close();
  watcher.close();
});

test('watchlists are per app: the same user id in another app is someone else', async () => {
  const watcher = await signedIn('x-watcher', ['x-shared']);
  await watcher.next('pusher_internal:watchlist_events');
  const elsewhere = await signedIn('x-shared', undefined, QUIET_APP);
  assert.deepEqual(await watcher.drain(), []);
  elsewhere.close();
  watcher.close();
});
