/**
 * The membership role's contract: cluster-wide subscription counts, presence members with their
 * version, the signed-in user index and cache values, whatever node asks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Adapter } from '../../src/adapters/adapter.js';
import {
  type AdapterCluster,
  APP,
  type ContractOptions,
  crossNodeSkip,
  cv,
  fresh,
  member,
} from './harness.js';

export function membershipContract(opts: ContractOptions): void {
  describe(`Membership contract: ${opts.name}`, () => {
    let c: AdapterCluster;
    let a: Adapter;
    before(async () => {
      c = await opts.create(Math.min(2, opts.maxNodes));
      a = c.nodes[0]!;
    });
    after(() => c.close());

    const skip = crossNodeSkip(opts);

    it('counts subscriptions, idempotently, and forgets empty channels', async () => {
      const ch = fresh();
      assert.equal(await a.subscribe(APP, ch, '1.1'), 1);
      assert.equal(await a.subscribe(APP, ch, '1.2'), 2);
      assert.equal(await a.subscribe(APP, ch, '1.2'), 2, 'subscribing twice counts once');
      assert.deepEqual(await a.channel(APP, ch), { subscriptionCount: 2 });
      assert.equal(await a.unsubscribe(APP, ch, '1.1'), 1);
      assert.equal(await a.unsubscribe(APP, ch, '1.1'), 1, 'unsubscribing twice is a no-op');
      assert.equal(await a.unsubscribe(APP, ch, '1.2'), 0);
      assert.equal(await a.unsubscribe(APP, fresh(), '9.9'), 0, 'unknown channel');
      assert.equal((await a.channels(APP)).has(ch), false, 'an empty channel is not listed');
      assert.deepEqual(await a.channel(APP, ch), { subscriptionCount: 0 });
    });

    it('lists occupied channels with counts, user counts for presence, per app', async () => {
      const pub = fresh();
      const pres = fresh('presence-');
      await a.subscribe(APP, pub, '2.1');
      await a.subscribe(APP, pres, '2.1');
      await a.addMember(APP, pres, '2.1', member('ann'));
      await a.subscribe(APP, pres, '2.2');
      await a.addMember(APP, pres, '2.2', member('bob'));
      const all = await a.channels(APP);
      assert.deepEqual(all.get(pub), { subscriptionCount: 1 });
      assert.deepEqual(all.get(pres), { subscriptionCount: 2, userCount: 2 });
      assert.equal((await a.channels('other-app')).has(pub), false, 'apps do not share channels');
      assert.deepEqual(await a.channel(APP, pres), { subscriptionCount: 2, userCount: 2 });
    });

    it('presence: a user with several sockets is one member; first and last decide', async () => {
      const ch = fresh('presence-');
      await a.subscribe(APP, ch, '3.1');
      await a.subscribe(APP, ch, '3.2');
      const first = await a.addMember(APP, ch, '3.1', member('u1', { v: 1 }));
      assert.deepEqual(cv(first), { changed: true, userCount: 1 });
      const second = await a.addMember(APP, ch, '3.2', member('u1', { v: 2 }));
      assert.deepEqual(cv(second), { changed: false, userCount: 1 });
      assert.equal(second.version, first.version, 'no change, no new version');
      assert.deepEqual([...(await a.members(APP, ch))], [['u1', { v: 2 }]], 'latest user_info wins');
      assert.deepEqual(cv(await a.removeMember(APP, ch, '3.1', 'u1')), { changed: false, userCount: 1 });
      assert.deepEqual(
        cv(await a.removeMember(APP, ch, '3.1', 'u1')),
        { changed: false, userCount: 1 },
        'idempotent',
      );
      const last = await a.removeMember(APP, ch, '3.2', 'u1');
      assert.deepEqual(cv(last), { changed: true, userCount: 0 });
      assert.ok(last.version > first.version, 'each change takes a higher version');
      assert.equal((await a.members(APP, ch)).size, 0);
    });

    it('presence: a snapshot carries the version it reflects; versions never go back', async () => {
      const ch = fresh('presence-');
      await a.subscribe(APP, ch, '10.1');
      const joined = await a.addMember(APP, ch, '10.1', member('ann'));
      const snap = await a.snapshot(APP, ch);
      assert.deepEqual([...snap.members.keys()], ['ann']);
      assert.ok(snap.version >= joined.version, 'the snapshot reflects the join');
      const left = await a.removeMember(APP, ch, '10.1', 'ann');
      assert.ok(left.version > snap.version, 'a later change is above the snapshot');
      await a.unsubscribe(APP, ch, '10.1');
      // The channel is empty and forgotten: coming back must not reuse an old version.
      const empty = await a.snapshot(APP, ch);
      assert.ok(empty.version >= left.version);
      await a.subscribe(APP, ch, '10.2');
      const again = await a.addMember(APP, ch, '10.2', member('ann'));
      assert.ok(again.version > left.version, `${again.version} > ${left.version}`);
      await a.removeMember(APP, ch, '10.2', 'ann');
      await a.unsubscribe(APP, ch, '10.2');
    });

    it('presence: user_info may be absent or any JSON value', async () => {
      const ch = fresh('presence-');
      await a.subscribe(APP, ch, '4.1');
      await a.subscribe(APP, ch, '4.2');
      await a.addMember(APP, ch, '4.1', { userId: 'x', userInfo: undefined });
      await a.addMember(APP, ch, '4.2', { userId: 'y', userInfo: [1, 'two', null] });
      const m = await a.members(APP, ch);
      assert.equal(m.get('x'), undefined);
      assert.equal(m.has('x'), true);
      assert.deepEqual(m.get('y'), [1, 'two', null]);
    });

    it('users: first and last signed-in socket, and who is online', async () => {
      const u = fresh('user');
      assert.equal(await a.addUserSocket(APP, u, '5.1'), true);
      assert.equal(await a.addUserSocket(APP, u, '5.2'), false);
      assert.deepEqual(await a.onlineUsers(APP, [u, 'nobody', u + 'x']), [u]);
      assert.equal(await a.removeUserSocket(APP, u, '5.1'), false);
      assert.equal(await a.removeUserSocket(APP, u, '5.1'), false, 'idempotent');
      assert.equal(await a.removeUserSocket(APP, u, '5.2'), true);
      assert.deepEqual(await a.onlineUsers(APP, [u]), []);
    });

    it('changes sent together are decided in the order they were made', async () => {
      // A socket that closes while its sign-in or subscribe is still on its way (no await in between).
      // The answers also arrive in that order: user_online is emitted before user_offline.
      const u = fresh('user');
      const answered: string[] = [];
      const signedIn = a.addUserSocket(APP, u, '12.1').finally(() => answered.push('in'));
      const signedOut = a.removeUserSocket(APP, u, '12.1').finally(() => answered.push('out'));
      assert.deepEqual([await signedIn, await signedOut], [true, true], 'first, then last');
      assert.deepEqual(answered, ['in', 'out']);
      assert.deepEqual(await a.onlineUsers(APP, [u]), []);
      const ch = fresh('presence-');
      const counts = [a.subscribe(APP, ch, '12.1'), a.unsubscribe(APP, ch, '12.1')];
      assert.deepEqual(await Promise.all(counts), [1, 0]);
      const joined = a.addMember(APP, ch, '12.1', member('quick'));
      const left = a.removeMember(APP, ch, '12.1', 'quick');
      assert.deepEqual(
        [cv(await joined), cv(await left)],
        [
          { changed: true, userCount: 1 },
          { changed: true, userCount: 0 },
        ],
      );
    });

    it('cache channels keep the last event with its remaining lifetime', async () => {
      const ch = fresh('cache-');
      assert.equal(await a.getCache(APP, ch), null);
      await a.setCache(APP, ch, 'e1', '{"n":1}', 60);
      await a.setCache(APP, ch, 'e2', '{"n":2}', 60);
      const got = await a.getCache(APP, ch);
      assert.equal(got?.event, 'e2');
      assert.equal(got?.data, '{"n":2}');
      assert.ok(got!.ttl > 0 && got!.ttl <= 60, `ttl ${got?.ttl}`);
      assert.equal(await a.getCache('other-app', ch), null);
    });

    it('cross-node: counts, members and users are cluster-wide', { skip }, async () => {
      const [n0, n1] = c.nodes as [Adapter, Adapter];
      const ch = fresh('presence-');
      assert.equal(await n0.subscribe(APP, ch, '6.1'), 1);
      assert.equal(await n1.subscribe(APP, ch, '6.2'), 2);
      assert.equal((await n0.addMember(APP, ch, '6.1', member('same'))).changed, true);
      assert.deepEqual(cv(await n1.addMember(APP, ch, '6.2', member('same'))), {
        changed: false,
        userCount: 1,
      });
      assert.deepEqual(await n1.channel(APP, ch), { subscriptionCount: 2, userCount: 1 });
      assert.deepEqual((await n0.channels(APP)).get(ch), { subscriptionCount: 2, userCount: 1 });
      assert.equal((await n0.removeMember(APP, ch, '6.1', 'same')).changed, false, 'still on the other node');
      assert.equal((await n1.removeMember(APP, ch, '6.2', 'same')).changed, true);
      assert.equal(await n0.unsubscribe(APP, ch, '6.1'), 1);
      assert.equal(await n1.unsubscribe(APP, ch, '6.2'), 0);

      const u = fresh('user');
      assert.equal(await n0.addUserSocket(APP, u, '6.1'), true);
      assert.equal(await n1.addUserSocket(APP, u, '6.2'), false);
      assert.deepEqual(await n1.onlineUsers(APP, [u]), [u]);
      assert.equal(await n1.removeUserSocket(APP, u, '6.2'), false);
      assert.equal(await n0.removeUserSocket(APP, u, '6.1'), true);

      const cache = fresh('cache-');
      await n0.setCache(APP, cache, 'ev', 'data', 30);
      assert.equal((await n1.getCache(APP, cache))?.event, 'ev');
    });

    it('cross-node: a snapshot taken on one node reflects a join on the other, at or above its version', {
      skip,
    }, async () => {
      const [n0, n1] = c.nodes as [Adapter, Adapter];
      const ch = fresh('presence-');
      await n1.subscribe(APP, ch, '11.2');
      const joined = await n1.addMember(APP, ch, '11.2', member('far', { far: true }));
      const snap = await n0.snapshot(APP, ch);
      assert.deepEqual([...snap.members], [['far', { far: true }]]);
      assert.ok(snap.version >= joined.version, `${snap.version} >= ${joined.version}`);
      await n1.removeMember(APP, ch, '11.2', 'far');
      await n1.unsubscribe(APP, ch, '11.2');
    });
  });
}
