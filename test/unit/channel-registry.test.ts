/**
 * The channel registry, driven directly: claims per connection, delivery subscribers per channel, this
 * node's sockets and presence users (first and last transitions, counts), signed-in users, and that a
 * channel or app nobody holds any more is forgotten.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelRegistry } from '../../src/channels/registry.js';
import { testConnection } from '../helpers/connection.js';
import { testConfig } from '../helpers/server.js';

const { apps } = testConfig({
  apps: [
    { id: 'a', key: 'ka', secret: 'sa' },
    { id: 'b', key: 'kb', secret: 'sb' },
  ],
});
const appA = apps[0]!;
const appB = apps[1]!;

/** What the registry holds in its maps (white-box: a forgotten entry has no API of its own). */
function held(r: ChannelRegistry): { apps: number; signedIn: number; claims: number } {
  const inner = r as unknown as {
    apps: Map<unknown, unknown>;
    signedIn: Map<unknown, unknown>;
    claims: Map<unknown, unknown>;
  };
  return { apps: inner.apps.size, signedIn: inner.signedIn.size, claims: inner.claims.size };
}

test('claims: one per connection and channel, released once, and the connection forgotten when it has none', () => {
  const r = new ChannelRegistry();
  const c1 = testConnection(appA, '1.1');
  const c2 = testConnection(appA, '1.2');
  assert.equal(r.subscription(c1, 'x'), undefined);
  assert.deepEqual(r.subscriptionsOf(c1), new Map());

  const sub = { userId: 'u1' };
  r.claim(c1, 'presence-p', sub);
  r.claim(c1, 'x', { userId: undefined });
  r.claim(c2, 'x', { userId: undefined });
  assert.equal(r.subscription(c1, 'presence-p'), sub);
  assert.equal(r.subscription(c1, 'y'), undefined);
  assert.deepEqual([...r.subscriptionsOf(c1).keys()], ['presence-p', 'x']);
  assert.deepEqual([...r.subscriptionsOf(c2).keys()], ['x']);
  assert.equal(held(r).claims, 2);

  assert.equal(r.release(c1, 'y'), undefined, 'a channel never claimed');
  assert.equal(r.release(c1, 'presence-p'), sub);
  assert.equal(r.release(c1, 'presence-p'), undefined, 'released once');
  assert.deepEqual([...r.subscriptionsOf(c1).keys()], ['x'], 'the other claim stays');
  assert.deepEqual(r.release(c1, 'x'), { userId: undefined });
  assert.deepEqual(r.subscriptionsOf(c1), new Map());
  assert.equal(held(r).claims, 1, 'a connection with no claim left is forgotten');
  assert.equal(r.release(testConnection(appA, '9.9'), 'x'), undefined, 'a connection never seen');
  assert.deepEqual([...r.subscriptionsOf(c2).keys()], ['x'], 'another connection keeps its claim');
});

test('subscribers: per app and channel, counted, and the view dropped when the last one leaves', () => {
  const r = new ChannelRegistry();
  const c1 = testConnection(appA, '1.1');
  const c2 = testConnection(appA, '1.2');
  const b1 = testConnection(appB, '2.1');
  assert.equal(r.channel('a', 'x'), undefined);
  assert.equal(r.localSubscribers('a', 'x'), 0);

  const ch = r.addSubscriber(c1, 'x');
  assert.equal(r.addSubscriber(c2, 'x'), ch, 'the same channel object');
  assert.equal(r.channel('a', 'x'), ch);
  r.addSubscriber(c1, 'y');
  r.addSubscriber(b1, 'x');
  assert.notEqual(r.channel('b', 'x'), ch, 'apps apart');
  assert.deepEqual([...ch.subscribers], [c1, c2]);
  assert.equal(r.localSubscribers('a', 'x'), 2);
  assert.equal(r.localSubscribers('a', 'y'), 1);
  assert.equal(r.localSubscribers('b', 'x'), 1);
  assert.equal(r.localSubscribers('b', 'y'), 0);
  assert.deepEqual(
    r.subscriberCounts(),
    new Map([
      [
        'a',
        new Map([
          ['x', 2],
          ['y', 1],
        ]),
      ],
      ['b', new Map([['x', 1]])],
    ]),
  );

  // A channel kept for its sockets: the view goes with the last subscriber, not before.
  r.subscribe('a', 'x', '1.1');
  const view = ch.memberView();
  r.removeSubscriber(c1, 'x');
  assert.equal(ch.view, view, 'a subscriber remains: so does what it was told');
  r.removeSubscriber(c2, 'x');
  assert.equal(ch.view, null);
  assert.equal(r.channel('a', 'x'), ch, 'still held for its socket');
  assert.deepEqual(r.subscriberCounts().get('a'), new Map([['y', 1]]), 'no zero counts');
  r.removeSubscriber(c1, 'nowhere');
  r.removeSubscriber(testConnection(appA, '1.3'), 'y');
  assert.equal(r.localSubscribers('a', 'y'), 1, 'removing a stranger changes nothing');

  r.removeSubscriber(c1, 'y');
  assert.equal(r.channel('a', 'y'), undefined, 'an idle channel is forgotten');
  r.removeSubscriber(b1, 'x');
  assert.equal(r.channel('b', 'x'), undefined);
  assert.deepEqual(r.subscriberCounts(), new Map(), 'no app with no subscriber');
  assert.equal(held(r).apps, 1, 'app b, with nothing held, is forgotten');
  r.unsubscribe('a', 'x', '1.1');
  assert.equal(held(r).apps, 0);
});

test('joining holds the channel and its view for a joiner', () => {
  const r = new ChannelRegistry();
  const ch = r.joining('a', 'presence-p');
  assert.equal(r.channel('a', 'presence-p'), ch);
  assert.equal(r.joining('a', 'presence-p'), ch);
  assert.equal(ch.memberView(), ch.memberView());
});

test("sockets: this node's count per channel after each change; stats with users on presence channels only", () => {
  const r = new ChannelRegistry();
  assert.equal(r.subscribe('a', 'x', 's1'), 1);
  assert.equal(r.subscribe('a', 'x', 's2'), 2);
  assert.equal(r.subscribe('a', 'x', 's2'), 2, 'the same socket twice counts once');
  assert.equal(r.subscribe('a', 'y', 's1'), 1);
  assert.equal(r.subscribe('b', 'x', 's9'), 1);
  assert.deepEqual(r.stats('a', 'x'), { subscriptionCount: 2 });
  assert.deepEqual(r.stats('a', 'nowhere'), { subscriptionCount: 0 });
  assert.deepEqual(r.stats('a', 'presence-nowhere'), { subscriptionCount: 0, userCount: 0 });
  assert.deepEqual(r.stats('a', 'private-presence-x'), { subscriptionCount: 0 }, 'the prefix, not the word');

  assert.equal(r.unsubscribe('a', 'x', 's1'), 1);
  assert.equal(r.unsubscribe('a', 'x', 's1'), 1, 'a socket gone already');
  assert.equal(r.unsubscribe('a', 'nowhere', 's1'), 0);
  assert.deepEqual(
    r.allStats('a'),
    new Map([
      ['x', { subscriptionCount: 1 }],
      ['y', { subscriptionCount: 1 }],
    ]),
  );
  assert.deepEqual(r.allStats('c'), new Map());
  assert.equal(r.unsubscribe('a', 'x', 's2'), 0);
  assert.equal(r.channel('a', 'x'), undefined, 'forgotten with its last socket');
  assert.equal(r.unsubscribe('a', 'y', 's1'), 0);
  assert.equal(r.unsubscribe('b', 'x', 's9'), 0);
  assert.equal(held(r).apps, 0, 'and each app with its last channel');
});

test('presence members: changed on the first and last socket of a user, user counts, join order', () => {
  const r = new ChannelRegistry();
  const p = 'presence-p';
  r.subscribe('a', p, 's1');
  assert.deepEqual(r.addMember('a', p, 's1', { userId: 'u1', userInfo: { n: 1 } }), {
    changed: true,
    userCount: 1,
    version: 0,
  });
  r.subscribe('a', p, 's2');
  assert.deepEqual(r.addMember('a', p, 's2', { userId: 'u1', userInfo: { n: 2 } }), {
    changed: false,
    userCount: 1,
    version: 0,
  });
  r.subscribe('a', p, 's3');
  assert.deepEqual(r.addMember('a', p, 's3', { userId: 'u2', userInfo: undefined }), {
    changed: true,
    userCount: 2,
    version: 0,
  });
  assert.deepEqual(
    r.members('a', p),
    new Map<string, unknown>([
      ['u1', { n: 2 }],
      ['u2', undefined],
    ]),
    'the latest user_info wins',
  );
  assert.deepEqual(r.members('a', 'presence-none'), new Map());
  assert.deepEqual(r.stats('a', p), { subscriptionCount: 3, userCount: 2 });
  assert.deepEqual(r.allStats('a'), new Map([[p, { subscriptionCount: 3, userCount: 2 }]]));

  assert.deepEqual(r.removeMember('a', p, 's1', 'u1'), { changed: false, userCount: 2, version: 0 });
  assert.deepEqual(r.removeMember('a', p, 's1', 'u1'), { changed: false, userCount: 2, version: 0 });
  assert.deepEqual(r.removeMember('a', p, 's2', 'u1'), { changed: true, userCount: 1, version: 0 });
  assert.deepEqual(r.removeMember('a', 'presence-none', 's2', 'u1'), {
    changed: false,
    userCount: 0,
    version: 0,
  });
  assert.deepEqual(r.members('a', p), new Map([['u2', undefined]]));

  // Members without sockets (the order the membership role writes them in): the channel is held.
  for (const s of ['s1', 's2', 's3']) r.unsubscribe('a', p, s);
  assert.deepEqual(r.stats('a', p), { subscriptionCount: 0, userCount: 1 });
  assert.deepEqual(r.allStats('a'), new Map(), 'stats list channels with sockets only');
  assert.deepEqual(r.removeMember('a', p, 's3', 'u2'), { changed: true, userCount: 0, version: 0 });
  assert.equal(r.channel('a', p), undefined, 'forgotten with its last member');
  assert.equal(held(r).apps, 0);
});

test('shares: the channels where this node holds sockets or members, not those with subscribers only', () => {
  const r = new ChannelRegistry();
  r.subscribe('a', 'x', 's1');
  r.addMember('a', 'presence-m', 's2', { userId: 'u', userInfo: null });
  r.addSubscriber(testConnection(appA, '1.1'), 'z');
  r.subscribe('b', 'x', 's3');
  const shares = [...r.shares()].map(([app, name, ch]) => [app, name, ch.sockets.size, ch.users.size]);
  assert.deepEqual(shares, [
    ['a', 'x', 1, 0],
    ['a', 'presence-m', 0, 1],
    ['b', 'x', 1, 0],
  ]);
});

test('signed-in users: first and last socket per app, sockets counted once, forgotten when gone', () => {
  const r = new ChannelRegistry();
  assert.equal(r.hasUser('a', 'u'), false);
  assert.equal(r.addUser('a', 'u', 's1'), true, 'first socket');
  assert.equal(r.addUser('a', 'u', 's1'), false, 'the same socket again');
  assert.equal(r.addUser('a', 'u', 's2'), false);
  assert.equal(r.addUser('a', 'v', 's3'), true);
  assert.equal(r.addUser('b', 'u', 's4'), true, 'apps apart');
  assert.equal(r.hasUser('a', 'u'), true);
  assert.equal(r.hasUser('b', 'v'), false);
  assert.deepEqual(
    [...r.users()].map(([app, user, sockets]) => [app, user, [...sockets]]),
    [
      ['a', 'u', ['s1', 's2']],
      ['a', 'v', ['s3']],
      ['b', 'u', ['s4']],
    ],
  );

  assert.equal(r.removeUser('a', 'u', 's9'), false, 'a socket it never had');
  assert.equal(r.removeUser('a', 'nobody', 's1'), false);
  assert.equal(r.removeUser('c', 'u', 's1'), false);
  assert.equal(r.removeUser('a', 'u', 's1'), false, 'a socket remains');
  assert.equal(r.hasUser('a', 'u'), true);
  assert.equal(r.removeUser('a', 'u', 's2'), true, 'the last socket');
  assert.equal(r.removeUser('a', 'u', 's2'), false, 'once');
  assert.equal(r.hasUser('a', 'u'), false);
  assert.equal(r.hasUser('a', 'v'), true, 'the app keeps its other user');
  assert.equal(held(r).signedIn, 2);
  assert.equal(r.removeUser('a', 'v', 's3'), true);
  assert.equal(held(r).signedIn, 1, 'an app with no user left is forgotten');
  assert.equal(r.removeUser('b', 'u', 's4'), true);
  assert.deepEqual([...r.users()], []);
  assert.equal(held(r).signedIn, 0);
});
