/**
 * Presence announcements cross nodes after the change they announce, so one can arrive after a later
 * change made elsewhere: a user moving from node A (draining) to node B is re-added on B while A's
 * member_removed is still on its way. B must not pass the stale announcement to its sockets, or
 * pusher-js drops a member who is there (the user's own socket included). True announcements still
 * pass. B decides from the membership versions the announcements carry (the hub's MemberView), with no
 * read of Redis between arrival and delivery.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Sealed } from '../../src/adapters/envelope.js';
import { RedisAdapter } from '../../src/adapters/redis-adapter.js';
import { MemberView } from '../../src/channels/member-view.js';
import { silentLogger } from '../../src/logging/logger.js';
import { RecordingDelivery } from '../contract/harness.js';
import { REDIS_URL } from '../helpers/cluster.js';

/** Node B's delivery: member announcements pass its member view, as in the hub. */
class ViewDelivery extends RecordingDelivery {
  readonly view = new MemberView();
  readonly passed: string[] = [];
  override deliver(env: Sealed): void {
    if (
      env.kind === 'member' &&
      this.view.admit(env.userId, env.change === 'added', env.version, env.userInfo)
    ) {
      this.passed.push(`${env.change} ${env.userId}`);
    }
    super.deliver(env);
  }
}

const prefix = `herald-test-${randomBytes(6).toString('hex')}`;
const node = () => new RedisAdapter({ url: REDIS_URL, prefix, nodeTimeout: 10, logger: silentLogger() });
const a = node();
const b = node();
const atB = new ViewDelivery();
const app = 'app-id';
const room = 'presence-move';

before(async () => {
  await Promise.all([a.start(new RecordingDelivery()), b.start(atB)]);
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
});

test('a stale member_removed from another node is dropped; a true member_added passes', async () => {
  await a.subscribe(app, room, 'a.1');
  await b.subscribe(app, room, 'b.1');
  const joined = await a.addMember(app, room, 'a.1', { userId: 'alice', userInfo: {} });
  a.broadcast({
    kind: 'member',
    appId: app,
    channel: room,
    change: 'added',
    userId: 'alice',
    version: joined.version,
  });
  await atB.until('alice joined at B', () => atB.passed.includes('added alice'));

  // Alice leaves A (its announcement is not out yet) and is back on B before it arrives.
  const left = await a.removeMember(app, room, 'a.1', 'alice');
  assert.equal(left.changed, true);
  await b.subscribe(app, room, 'b.2');
  const back = await b.addMember(app, room, 'b.2', { userId: 'alice', userInfo: {} });
  assert.equal(back.changed, true);
  assert.ok(back.version > left.version);
  b.broadcast({
    kind: 'member',
    appId: app,
    channel: room,
    change: 'added',
    userId: 'alice',
    version: back.version,
    except: 'b.2',
  });
  a.broadcast({
    kind: 'member',
    appId: app,
    channel: room,
    change: 'removed',
    userId: 'alice',
    version: left.version,
  });

  // A later, true join from A: once it is delivered, the stale leave before it was decided on.
  const carol = await a.addMember(app, room, 'a.1', { userId: 'carol', userInfo: {} });
  a.broadcast({
    kind: 'member',
    appId: app,
    channel: room,
    change: 'added',
    userId: 'carol',
    version: carol.version,
  });
  await atB.until('carol joined at B', () => atB.passed.includes('added carol'));

  assert.deepEqual(atB.passed, ['added alice', 'added alice', 'added carol']);
  assert.equal(atB.view.believes('alice'), true);
});
