/**
 * The announcer over the in-memory adapter: each member announcement is exactly one member envelope
 * (what it carries, `except`, `repair`) and, unless quiet, one server event; the cluster news it turns
 * into events; a member back skipping its own socket only while that socket was not told it left; a
 * count change from the cluster reaching subscription counting.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { Sealed } from '../../src/adapters/adapter.js';
import { LocalAdapter } from '../../src/adapters/local-adapter.js';
import { ConfigAppStore } from '../../src/apps/app-store.js';
import { Announcer } from '../../src/channels/announcer.js';
import { ChannelRegistry } from '../../src/channels/registry.js';
import { SubscriptionCounter } from '../../src/channels/subscription-count.js';
import { Hub } from '../../src/connections/hub.js';
import { type ServerEvent, ServerEvents } from '../../src/events/server-events.js';
import { encodeSubscriptionCount } from '../../src/protocol/messages.js';
import { testConfig } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const { apps } = testConfig({ apps: [{ id: 'a', key: 'ka', secret: 'sa', subscriptionCount: true }] });
const P = 'presence-room';

let registry: ChannelRegistry;
let events: ServerEvents;
/** What the broker delivered, without its seal, and the server events, in order. */
let envelopes: Omit<Sealed, 'origin' | 'seq'>[];
let emitted: ServerEvent[];
let announcer: Announcer;

beforeEach(async () => {
  registry = new ChannelRegistry();
  const adapter = new LocalAdapter(Date.now, registry);
  envelopes = [];
  await adapter.start({
    deliver: ({ origin: _o, seq: _s, ...envelope }) => envelopes.push(envelope),
  });
  events = new ServerEvents();
  emitted = [];
  events.tap((e) => emitted.push(e));
  announcer = new Announcer({
    broker: adapter,
    events,
    hub: new Hub(events, registry),
    subscriptionCounts: new SubscriptionCounter(adapter, events, Date.now),
    apps: new ConfigAppStore(apps),
  });
});

test('member added: the envelope with user_info, version and the socket to skip; member_added once', () => {
  announcer.memberAdded('a', P, { userId: 'u1', userInfo: { name: 'Ada' } }, 7, '1.1');
  assert.deepEqual(envelopes, [
    {
      kind: 'member',
      appId: 'a',
      channel: P,
      change: 'added',
      userId: 'u1',
      userInfo: { name: 'Ada' },
      version: 7,
      except: '1.1',
    },
  ]);
  assert.deepEqual(emitted, [{ type: 'member_added', appId: 'a', channel: P, userId: 'u1' }]);
});

test('member added without user_info or a socket to skip: neither key is sent', () => {
  announcer.memberAdded('a', P, { userId: 'u1', userInfo: undefined }, 3);
  announcer.memberAdded('a', P, { userId: 'u2', userInfo: null }, 4, '');
  assert.deepEqual(envelopes, [
    { kind: 'member', appId: 'a', channel: P, change: 'added', userId: 'u1', version: 3 },
    { kind: 'member', appId: 'a', channel: P, change: 'added', userId: 'u2', userInfo: null, version: 4 },
  ]);
  assert.equal(emitted.length, 2);
});

test('a quiet member added is a repair: the envelope says so, no server event', () => {
  announcer.memberAdded('a', P, { userId: 'u1', userInfo: 1 }, 5, '1.1', true);
  assert.deepEqual(envelopes, [
    {
      kind: 'member',
      appId: 'a',
      channel: P,
      change: 'added',
      userId: 'u1',
      userInfo: 1,
      version: 5,
      except: '1.1',
      repair: true,
    },
  ]);
  assert.deepEqual(emitted, []);
});

test('member removed, and a member gone with a dead node: the envelope and member_removed, or a quiet repair', () => {
  announcer.memberRemoved('a', P, 'u1', 8);
  announcer.memberGone('a', P, 'u2', 9);
  announcer.memberRemoved('a', P, 'u3', 10, true);
  announcer.memberGone('a', P, 'u4', 11, true);
  const removed = { kind: 'member', appId: 'a', channel: P, change: 'removed' };
  assert.deepEqual(envelopes, [
    { ...removed, userId: 'u1', version: 8 },
    { ...removed, userId: 'u2', version: 9 },
    { ...removed, userId: 'u3', version: 10, repair: true },
    { ...removed, userId: 'u4', version: 11, repair: true },
  ]);
  assert.deepEqual(emitted, [
    { type: 'member_removed', appId: 'a', channel: P, userId: 'u1' },
    { type: 'member_removed', appId: 'a', channel: P, userId: 'u2' },
  ]);
});

test('a member back skips its own socket, unless that socket was told it left', () => {
  announcer.memberBack('a', P, { userId: 'u1', userInfo: 'i' }, 5, '1.1');
  // The sockets here were told u2 left (the others presumed this node dead).
  registry.joining('a', P).memberView().admit('u2', false, 6);
  announcer.memberBack('a', P, { userId: 'u2', userInfo: 'j' }, 7, '1.2', true);
  const added = { kind: 'member', appId: 'a', channel: P, change: 'added' };
  assert.deepEqual(envelopes, [
    { ...added, userId: 'u1', userInfo: 'i', version: 5, except: '1.1' },
    { ...added, userId: 'u2', userInfo: 'j', version: 7, repair: true },
  ]);
  assert.deepEqual(
    emitted,
    [{ type: 'member_added', appId: 'a', channel: P, userId: 'u1' }],
    'the quiet one fires none',
  );
});

test('channels and users gone or back with the cluster: one server event each, no envelope', () => {
  announcer.channelGone('a', 'c1');
  announcer.channelBack('a', 'c2');
  announcer.userGone('a', 'u1');
  assert.deepEqual(emitted, [
    { type: 'channel_vacated', appId: 'a', channel: 'c1' },
    { type: 'channel_occupied', appId: 'a', channel: 'c2' },
    { type: 'user_offline', appId: 'a', userId: 'u1' },
  ]);
  assert.deepEqual(envelopes, []);
});

test('a count changed by the cluster reaches subscription counting for a known app only', async () => {
  const counted = waitFor<ServerEvent>('subscription_count', (done) => events.on('subscription_count', done));
  announcer.countChanged('unknown', 'room', 4);
  // The marker: a known app's count, looked up after the unknown one.
  announcer.countChanged('a', 'room', 5);
  assert.deepEqual(await counted, { type: 'subscription_count', appId: 'a', channel: 'room', count: 5 });
  assert.deepEqual(envelopes, [
    { kind: 'channel', appId: 'a', channel: 'room', frame: encodeSubscriptionCount('room', 5) },
  ]);
  assert.equal(emitted.length, 1, 'nothing for the unknown app');
});
