/**
 * Tabs that vanish mid-handshake: sockets that sign in and join a presence channel and close (cleanly,
 * abruptly, or a tick later) before their frames are even answered. Observers must end up with balanced
 * member_added/member_removed per user, watchers must see every such user offline, and the API must list
 * nobody left behind.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channelStringToSign, signAuth, userStringToSign } from '../../src/protocol/signatures.js';
import { serverEvent } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;

before(async () => {
  server = await startHerald();
});
after(async () => {
  await server.close();
});

const sign = (s: string) => signAuth('app-key', 'app-secret', s);

function signinFrame(raw: RawClient, userData: string) {
  return {
    event: 'pusher:signin',
    data: { auth: sign(userStringToSign(raw.socketId, userData)), user_data: userData },
  };
}

function presenceFrame(raw: RawClient, channel: string, userId: string) {
  const data = JSON.stringify({ user_id: userId });
  return {
    event: 'pusher:subscribe',
    data: { channel, auth: sign(channelStringToSign(raw.socketId, channel, data)), channel_data: data },
  };
}

test('60 tabs of 10 users sign in, join and close at once: balanced presence, all offline, nobody listed', async () => {
  const room = 'presence-vanishing';
  const observer = await RawClient.open(server);
  assert.equal(
    (await observer.subscribe(room, presenceFrame(observer, room, 'observer').data)).event,
    'pusher_internal:subscription_succeeded',
  );
  const watcher = await RawClient.open(server);
  const ids = Array.from({ length: 10 }, (_, i) => `tab-user-${i}`);
  watcher.send(signinFrame(watcher, JSON.stringify({ id: 'watcher', watchlist: ids })));
  await watcher.nextEvent('pusher:signin_success');

  const tabs = await Promise.all(Array.from({ length: 60 }, () => RawClient.open(server)));
  const closed = tabs.map((t) =>
    serverEvent(server, 'connection_closed', (e) => e.socketId === t.socketId, 10_000),
  );
  tabs.forEach((tab, i) => {
    const user = ids[i % 10]!;
    tab.send(signinFrame(tab, JSON.stringify({ id: user })));
    tab.send(presenceFrame(tab, room, user));
    if (i % 3 === 0) tab.ws.terminate();
    else if (i % 3 === 1) tab.close();
    else setImmediate(() => tab.close());
  });
  await Promise.all(closed);

  // Barriers: anything the closes caused was sent before these.
  await sdkFor(server).trigger(room, 'barrier', {});
  await observer.nextEvent('barrier', room);
  await sdkFor(server).sendToUser('watcher', 'barrier', {});
  await watcher.nextEvent('barrier');

  const balance = new Map<string, number>();
  for (const f of observer.frames) {
    if (!f.event.startsWith('pusher_internal:member_')) continue;
    const id = (JSON.parse(f.data as string) as { user_id: string }).user_id;
    balance.set(id, (balance.get(id) ?? 0) + (f.event.endsWith('added') ? 1 : -1));
  }
  for (const [id, n] of balance) assert.equal(n, 0, `${id} left as many times as it joined`);
  observer.frames.length = 0;

  const last = new Map<string, string>();
  for (const f of watcher.frames) {
    if (f.event !== 'pusher_internal:watchlist_events') continue;
    for (const e of (JSON.parse(f.data as string) as { events: { name: string; user_ids: string[] }[] })
      .events) {
      for (const id of e.user_ids) last.set(id, e.name);
    }
  }
  for (const id of ids) assert.notEqual(last.get(id), 'online', `${id} still online for the watcher`);

  const users = (await (await sdkFor(server).get({ path: `/channels/${room}/users` })).json()) as unknown;
  assert.deepEqual(users, { users: [{ id: 'observer' }] });
  // A new tab of one of those users is announced again: nothing stale says it is already present.
  const again = await RawClient.open(server);
  again.send(presenceFrame(again, room, ids[0]!));
  const added = await observer.nextEvent('pusher_internal:member_added', room);
  assert.equal((JSON.parse(added.data as string) as { user_id: string }).user_id, ids[0]);
  again.close();
  observer.close();
  watcher.close();
});
