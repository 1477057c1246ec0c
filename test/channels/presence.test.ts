/**
 * Presence channels with the official pusher-js and the `pusher` SDK (CH-07, CH-09..CH-11, CH-17):
 * members, me and count; member_added only for a user's first connection and member_removed only
 * for the last, with two sockets of the same user; disconnects observed through member_removed and
 * the HTTP API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import { firedBefore, once, pusherClient, serverEvent } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor, sdkMarker } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
const clients: PusherJs[] = [];

interface Members {
  count: number;
  me: { id: string; info: unknown };
  members: Record<string, unknown>;
  each(cb: (m: { id: string; info: unknown }) => void): void;
  get(id: string): { id: string; info: unknown } | null;
}
type PresenceChannel = ReturnType<PusherJs['subscribe']> & { members: Members };

function join(channel: string, id: string, info?: unknown): { p: PusherJs; ch: PresenceChannel } {
  const p = pusherClient(server, { user: { id, info } });
  clients.push(p);
  return { p, ch: p.subscribe(channel) as PresenceChannel };
}

async function users(channel: string): Promise<string[]> {
  const res = await sdkFor(server).get({ path: `/channels/${channel}/users` });
  return ((await res.json()) as { users: { id: string }[] }).users.map((u) => u.id).sort();
}

async function userCount(channel: string): Promise<number> {
  const res = await sdkFor(server).get({ path: `/channels/${channel}`, params: { info: 'user_count' } });
  return ((await res.json()) as { user_count: number }).user_count;
}

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const p of clients) p.disconnect();
  await server.close();
});

describe('presence members (CH-09)', () => {
  test('the subscriber sees itself and everyone present: count, me, ids and user_info', async () => {
    const ada = join('presence-lobby', '1', { name: 'Ada' });
    const s1 = await once<Members>(ada.ch, 'pusher:subscription_succeeded');
    assert.equal(s1.count, 1);
    assert.deepEqual(s1.me, { id: '1', info: { name: 'Ada' } });

    const bob = join('presence-lobby', '2');
    const s2 = await once<Members>(bob.ch, 'pusher:subscription_succeeded');
    assert.equal(s2.count, 2);
    assert.deepEqual(s2.me, { id: '2', info: null });
    const seen: Record<string, unknown> = {};
    s2.each((m) => {
      seen[m.id] = m.info;
    });
    assert.deepEqual(seen, { '1': { name: 'Ada' }, '2': null });
    assert.deepEqual(await users('presence-lobby'), ['1', '2']);
    assert.equal(await userCount('presence-lobby'), 2);
  });

  test('numeric user ids are announced as strings', async () => {
    const raw = await RawClient.open(server);
    const data = '{"user_id":77,"user_info":{"n":1}}';
    const auth = signAuth(
      'app-key',
      'app-secret',
      channelStringToSign(raw.socketId, 'presence-numeric', data),
    );
    const reply = await raw.subscribe('presence-numeric', { auth, channel_data: data });
    assert.equal(typeof reply.data, 'string');
    assert.deepEqual(JSON.parse(reply.data as string), {
      presence: { ids: ['77'], hash: { '77': { n: 1 } }, count: 1 },
    });
    raw.close();
  });
});

describe('member_added / member_removed (CH-10, CH-11, CH-17)', () => {
  test("only a user's first connection is announced and only its last departure", async () => {
    const watcher = join('presence-tabs', 'watcher');
    await once(watcher.ch, 'pusher:subscription_succeeded');

    const added = once<{ id: string; info: unknown }>(watcher.ch, 'pusher:member_added');
    const tab1 = join('presence-tabs', 'u1', { tab: 1 });
    const s1 = await once<Members>(tab1.ch, 'pusher:subscription_succeeded');
    assert.deepEqual(await added, { id: 'u1', info: { tab: 1 } });
    assert.equal(s1.count, 2);

    // A second socket of the same user: no member_added for anyone, the count does not change.
    // A member_added would leave with tab2's subscription_succeeded: a later marker proves it did not.
    let tab2!: ReturnType<typeof join>;
    const noAdd = firedBefore(watcher.ch, 'pusher:member_added', 'marker', async () => {
      tab2 = join('presence-tabs', 'u1', { tab: 1 });
      const s2 = await once<Members>(tab2.ch, 'pusher:subscription_succeeded');
      assert.equal(s2.count, 2);
      await sdkFor(server).trigger('presence-tabs', 'marker', {});
    });
    assert.equal(await noAdd, false);
    assert.equal(watcher.ch.members.count, 2);
    assert.equal(await userCount('presence-tabs'), 2);

    // The first tab leaves: the user is still present through the second.
    const noRemove = firedBefore(watcher.ch, 'pusher:member_removed', 'marker', async () => {
      const unsubscribed = serverEvent(server, 'unsubscribed', (e) => e.channel === 'presence-tabs');
      tab1.p.disconnect();
      await unsubscribed;
      await sdkFor(server).trigger('presence-tabs', 'marker', {});
    });
    assert.equal(await noRemove, false);
    assert.deepEqual(await users('presence-tabs'), ['u1', 'watcher']);

    // The last tab leaves (by disconnecting): now member_removed.
    const removed = once<{ id: string }>(watcher.ch, 'pusher:member_removed');
    tab2.p.disconnect();
    assert.equal((await removed).id, 'u1');
    assert.equal(watcher.ch.members.count, 1);
    assert.deepEqual(await users('presence-tabs'), ['watcher']);
  });

  test('the joining socket does not receive its own member_added; raw frames carry string data', async () => {
    const a = await RawClient.open(server);
    const b = await RawClient.open(server);
    const sub = (c: RawClient, id: string) => {
      const data = JSON.stringify({ user_id: id, user_info: { id } });
      const auth = signAuth('app-key', 'app-secret', channelStringToSign(c.socketId, 'presence-raw', data));
      return c.subscribe('presence-raw', { auth, channel_data: data });
    };
    await sub(a, 'a');
    await sub(b, 'b');
    const added = await a.nextEvent('pusher_internal:member_added', 'presence-raw');
    assert.equal(
      added.raw,
      '{"event":"pusher_internal:member_added","channel":"presence-raw","data":"{\\"user_id\\":\\"b\\",\\"user_info\\":{\\"id\\":\\"b\\"}}"}',
    );
    // b's own member_added would have left with a's: a marker published now arrives after it.
    const ownAdd = await b.receivedBefore(
      (f) => f.event === 'pusher_internal:member_added',
      (f) => f.event === 'marker',
      sdkMarker(server, 'presence-raw'),
    );
    assert.deepEqual(ownAdd, []);
    b.send({ event: 'pusher:unsubscribe', data: { channel: 'presence-raw' } });
    const removed = await a.nextEvent('pusher_internal:member_removed', 'presence-raw');
    assert.equal(
      removed.raw,
      '{"event":"pusher_internal:member_removed","channel":"presence-raw","data":"{\\"user_id\\":\\"b\\"}"}',
    );
    // b left the channel, so its barrier is a ping answered after the unsubscribe was handled.
    const ownRemove = await b.receivedBefore(
      (f) => f.event === 'pusher_internal:member_removed',
      (f) => f.event === 'pusher:pong',
      () => b.send({ event: 'pusher:ping', data: {} }),
    );
    assert.deepEqual(ownRemove, []);
    a.close();
    b.close();
  });

  test('a dropped socket (no close handshake) leaves like an unsubscribe', async () => {
    const watcher = join('presence-drop', 'w');
    await once(watcher.ch, 'pusher:subscription_succeeded');
    const raw = await RawClient.open(server);
    const data = '{"user_id":"dropper"}';
    const auth = signAuth('app-key', 'app-secret', channelStringToSign(raw.socketId, 'presence-drop', data));
    await raw.subscribe('presence-drop', { auth, channel_data: data });
    await once(watcher.ch, 'pusher:member_added');
    const removed = once<{ id: string }>(watcher.ch, 'pusher:member_removed');
    raw.ws.terminate();
    assert.equal((await removed).id, 'dropper');
    assert.deepEqual(await users('presence-drop'), ['w']);
  });

  test('an API event on a presence channel reaches every member', async () => {
    const a = join('presence-news', 'x');
    const b = join('presence-news', 'y');
    await Promise.all([
      once(a.ch, 'pusher:subscription_succeeded'),
      once(b.ch, 'pusher:subscription_succeeded'),
    ]);
    const got = Promise.all([once(a.ch, 'headline'), once(b.ch, 'headline')]);
    await sdkFor(server).trigger('presence-news', 'headline', { t: 'hi' });
    assert.deepEqual(await got, [{ t: 'hi' }, { t: 'hi' }]);
  });
});
