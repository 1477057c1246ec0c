/**
 * Presence announcements cross nodes after the change they announce, so one can arrive after a later
 * change made elsewhere: a user moving from node A (draining) to node B is re-added on B while A's
 * member_removed is still on its way. B must not pass a stale announcement to its sockets, or pusher-js
 * drops a member who is there (the user's own socket included). True announcements still pass.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { RedisAdapter } from '../../src/adapters/redis-adapter.js';
import { silentLogger } from '../../src/logging/logger.js';
import { encodeMemberAdded, encodeMemberRemoved } from '../../src/protocol/messages.js';
import { RecordingDelivery } from '../contract/adapter.contract.js';
import { REDIS_URL } from '../helpers/cluster.js';

const prefix = `herald-test-${randomBytes(6).toString('hex')}`;
const node = () => new RedisAdapter({ url: REDIS_URL, prefix, nodeTimeout: 10, logger: silentLogger() });
const a = node();
const b = node();
const atB = new RecordingDelivery();
const app = 'app-id';
const room = 'presence-move';

before(async () => {
  await Promise.all([a.start(new RecordingDelivery()), b.start(atB)]);
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
});

const memberFrames = () =>
  atB.envelopes.flatMap((e) =>
    e.kind === 'channel' && e.frame.includes('pusher_internal:member_') ? [e.frame] : [],
  );

test('a stale member_removed from another node is dropped; a true member_added passes', async () => {
  await a.subscribe(app, room, 'a.1');
  await b.subscribe(app, room, 'b.1');
  await a.addMember(app, room, 'a.1', { userId: 'alice', userInfo: {} });

  // Alice leaves A (its announcement is not out yet) and is back on B before it arrives.
  assert.equal((await a.removeMember(app, room, 'a.1', 'alice')).changed, true);
  await b.subscribe(app, room, 'b.2');
  assert.equal((await b.addMember(app, room, 'b.2', { userId: 'alice', userInfo: {} })).changed, true);
  a.broadcast({ kind: 'channel', appId: app, channel: room, frame: encodeMemberRemoved(room, 'alice') });

  // A later, true join from A: once it is delivered, the stale leave before it was decided on.
  await a.addMember(app, room, 'a.1', { userId: 'carol', userInfo: {} });
  a.broadcast({ kind: 'channel', appId: app, channel: room, frame: encodeMemberAdded(room, 'carol', {}) });
  await atB.until('carol joined at B', () => memberFrames().some((f) => f.includes('carol')));

  assert.deepEqual(memberFrames(), [encodeMemberAdded(room, 'carol', {})]);
});
