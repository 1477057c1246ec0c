/**
 * A chat app end to end, as a team migrating from Pusher would run it: several pusher-js clients in a
 * presence room (one user with two tabs), typing indicators as client events, messages posted through
 * the app server with the SDK excluding the sender (Echo's `toOthers()` sends the socket id), members
 * joining and leaving in any order, and reconnects. Every "nothing arrived" claim is checked against a
 * barrier event published afterwards on the same channel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connected, pusherClient, serverEvent } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from './inbox.js';

const ROOM = 'presence-chat.42';
const EVENTS = [
  'pusher:subscription_succeeded',
  'pusher:member_added',
  'pusher:member_removed',
  'client-typing',
  'App\\Events\\MessagePosted',
  'barrier',
];

let server: TestServer;
const everyone: PusherJs[] = [];

interface Tab {
  user: string;
  client: PusherJs;
  inbox: Inbox;
}

async function open(user: string, channel = ROOM): Promise<Tab> {
  const client = pusherClient(server, { user: { id: user, info: { name: user.toUpperCase() } } });
  everyone.push(client);
  const inbox = new Inbox();
  record(client, channel, inbox, EVENTS);
  await inbox.event(channel, 'pusher:subscription_succeeded');
  return { user, client, inbox };
}

/** Publishes a barrier and waits until every tab has it: whatever was sent before has arrived. */
let barriers = 0;
async function barrier(tabs: Tab[], channel = ROOM): Promise<void> {
  const n = ++barriers;
  await sdkFor(server).trigger(channel, 'barrier', { n });
  await Promise.all(
    tabs.map((t) =>
      t.inbox.next(
        (s) => s.channel === channel && s.event === 'barrier' && (s.data as { n: number }).n === n,
        5000,
        `barrier ${n} at ${t.user}`,
      ),
    ),
  );
}

function ids(tab: Tab, channel = ROOM): string[] {
  const members = tab.client.channel(channel) as unknown as {
    members: { each(cb: (m: { id: string }) => void): void };
  };
  const out: string[] = [];
  members.members.each((m) => out.push(m.id));
  return out.sort();
}

async function leave(tab: Tab): Promise<void> {
  const socketId = tab.client.connection.socket_id;
  const closed = serverEvent(server, 'connection_closed', (e) => e.socketId === socketId);
  tab.client.disconnect();
  await closed;
}

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const c of everyone) c.disconnect();
  await server.close();
});

describe('chat room', () => {
  let alice1: Tab;
  let alice2: Tab;
  let bob: Tab;
  let carol: Tab;

  test('members arrive: snapshots, member_added with user_info, a second tab announces nothing', async () => {
    alice1 = await open('alice');
    assert.deepEqual(ids(alice1), ['alice']);

    bob = await open('bob');
    const snapshot = bob.inbox.all.find((s) => s.event === 'pusher:subscription_succeeded')!.data as {
      count: number;
      me: { id: string };
      members: Record<string, unknown>;
    };
    assert.equal(snapshot.count, 2);
    assert.equal(snapshot.me.id, 'bob');
    assert.deepEqual(snapshot.members, { alice: { name: 'ALICE' }, bob: { name: 'BOB' } });
    const added = await alice1.inbox.event(ROOM, 'pusher:member_added');
    assert.deepEqual(added.data, { id: 'bob', info: { name: 'BOB' } });

    alice2 = await open('alice');
    assert.deepEqual(ids(alice2), ['alice', 'bob']);
    await barrier([alice1, bob, alice2]);
    assert.deepEqual(
      bob.inbox.take((s) => s.event === 'pusher:member_added'),
      [],
      "alice's second tab must not be announced",
    );

    carol = await open('carol');
    for (const t of [alice1, alice2, bob]) {
      const m = await t.inbox.event(ROOM, 'pusher:member_added');
      assert.deepEqual(m.data, { id: 'carol', info: { name: 'CAROL' } }, t.user);
    }
    for (const t of [alice1, alice2, bob, carol]) assert.deepEqual(ids(t), ['alice', 'bob', 'carol']);
  });

  test('typing whisper: everyone else gets it with the sender user_id, both of alice tabs included', async () => {
    const channel = bob.client.channel(ROOM)!;
    assert.equal(channel.trigger('client-typing', { typing: true }), true);
    for (const t of [alice1, alice2, carol]) {
      const w = await t.inbox.event(ROOM, 'client-typing');
      assert.deepEqual(w.data, { typing: true }, t.user);
      assert.equal(w.userId, 'bob', t.user);
    }
    // alice whispers from tab 1: her tab 2 hears it (same user, other connection), tab 1 does not.
    alice1.client.channel(ROOM)!.trigger('client-typing', { typing: false });
    const own = await alice2.inbox.event(ROOM, 'client-typing');
    assert.equal(own.userId, 'alice');
    await barrier([alice1, alice2, bob, carol]);
    assert.deepEqual(
      bob.inbox.take((s) => s.event === 'client-typing' && s.userId === 'bob'),
      [],
      'never echoed to the sender',
    );
    assert.deepEqual(
      alice1.inbox.take((s) => s.event === 'client-typing'),
      [],
      'alice tab 1 hears neither its own whisper nor anything else',
    );
    assert.equal(bob.inbox.take((s) => s.event === 'client-typing').length, 1, 'bob hears alice once');
    assert.equal(carol.inbox.take((s) => s.event === 'client-typing').length, 1, 'carol hears alice once');
  });

  test('a message posted toOthers() reaches every connection but the sender tab', async () => {
    await sdkFor(server).trigger(
      ROOM,
      'App\\Events\\MessagePosted',
      { body: 'héllo 👋', from: 'alice' },
      { socket_id: alice1.client.connection.socket_id },
    );
    for (const t of [alice2, bob, carol]) {
      const m = await t.inbox.event(ROOM, 'App\\Events\\MessagePosted');
      assert.deepEqual(m.data, { body: 'héllo 👋', from: 'alice' }, t.user);
    }
    await barrier([alice1, alice2, bob, carol]);
    assert.deepEqual(
      alice1.inbox.take((s) => s.event === 'App\\Events\\MessagePosted'),
      [],
    );
  });

  test('closing one of two tabs removes nobody; closing the last removes alice everywhere', async () => {
    await leave(alice1);
    await barrier([bob, carol, alice2]);
    assert.deepEqual(
      bob.inbox.take((s) => s.event === 'pusher:member_removed'),
      [],
      'alice still has a tab open',
    );
    assert.deepEqual(ids(bob), ['alice', 'bob', 'carol']);

    await leave(alice2);
    for (const t of [bob, carol]) {
      const m = await t.inbox.event(ROOM, 'pusher:member_removed');
      assert.deepEqual(m.data, { id: 'alice', info: { name: 'ALICE' } }, t.user);
      assert.deepEqual(ids(t), ['bob', 'carol']);
    }
    const res = await sdkFor(server).get({ path: `/channels/${ROOM}/users` });
    assert.deepEqual(await res.json(), { users: [{ id: 'bob' }, { id: 'carol' }] });
  });

  test('a reconnecting client rejoins by itself with a new socket id; the old id excludes nobody', async () => {
    const oldId = bob.client.connection.socket_id;
    bob.client.disconnect();
    const gone = await carol.inbox.event(ROOM, 'pusher:member_removed');
    assert.equal((gone.data as { id: string }).id, 'bob');
    bob.client.connect();
    const newId = await connected(bob.client);
    assert.notEqual(newId, oldId);
    await bob.inbox.event(ROOM, 'pusher:subscription_succeeded');
    const back = await carol.inbox.event(ROOM, 'pusher:member_added');
    assert.equal((back.data as { id: string }).id, 'bob');
    assert.deepEqual(ids(bob), ['bob', 'carol']);

    // An app server still holding the stale socket id must not silence bob's new connection.
    await sdkFor(server).trigger(ROOM, 'App\\Events\\MessagePosted', { body: 'hi' }, { socket_id: oldId });
    await bob.inbox.event(ROOM, 'App\\Events\\MessagePosted');
    await carol.inbox.event(ROOM, 'App\\Events\\MessagePosted');
  });

  test('leave and rejoin on one connection: others see removed then added, the count stays right', async () => {
    carol.client.unsubscribe(ROOM);
    // pusher-js drops the channel object on unsubscribe: the new subscription is a new object.
    record(carol.client, ROOM, carol.inbox, EVENTS);
    const removed = await bob.inbox.event(ROOM, 'pusher:member_removed');
    assert.equal((removed.data as { id: string }).id, 'carol');
    const added = await bob.inbox.event(ROOM, 'pusher:member_added');
    assert.equal((added.data as { id: string }).id, 'carol');
    await carol.inbox.event(ROOM, 'pusher:subscription_succeeded');
    await barrier([bob, carol]);
    assert.deepEqual(ids(bob), ['bob', 'carol']);
    assert.deepEqual(ids(carol), ['bob', 'carol']);
  });
});

describe('members joining and leaving in any order', () => {
  test('after a seeded random run of joins and leaves every client and the API agree on who is here', async () => {
    const room = 'presence-shuffle';
    let seed = 20261123;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const observer = await open('observer', room);
    const live: Tab[] = [];
    // Rounds of four concurrent operations, so one user's tabs join and leave at the same time.
    for (let round = 0; round < 12; round++) {
      const ops: Promise<unknown>[] = [];
      for (let k = 0; k < 4; k++) {
        if (live.length > 0 && (rand(3) === 0 || live.length >= 10)) {
          const [tab] = live.splice(rand(live.length), 1);
          ops.push(leave(tab!));
        } else {
          ops.push(open(`u${rand(4)}`, room).then((t) => live.push(t)));
        }
      }
      await Promise.all(ops);
    }
    const expected = [...new Set(['observer', ...live.map((t) => t.user)])].sort();
    await barrier([observer, ...live], room);
    assert.deepEqual(ids(observer, room), expected);
    for (const t of live) assert.deepEqual(ids(t, room), expected, `view of a ${t.user} tab`);
    const res = await sdkFor(server).get({ path: `/channels/${room}/users` });
    const users = ((await res.json()) as { users: { id: string }[] }).users.map((u) => u.id).sort();
    assert.deepEqual(users, expected);
    const info = await sdkFor(server).get({
      path: `/channels/${room}`,
      params: { info: 'user_count,subscription_count' },
    });
    assert.deepEqual(await info.json(), {
      occupied: true,
      user_count: expected.length,
      subscription_count: live.length + 1,
    });
  });
});
