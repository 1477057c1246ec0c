/**
 * The Adapter contract, run against every implementation (adapters.test.ts). A "cluster" is one or
 * more adapters that share state, each playing one node with a recording NodeDelivery.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  Adapter,
  Envelope,
  MemberChange,
  NodeDelivery,
  PresenceMember,
  Sealed,
} from '../../src/adapters/adapter.js';

export class RecordingDelivery implements NodeDelivery {
  readonly envelopes: Sealed[] = [];
  readonly gone: string[] = [];
  /** Membership versions of the members gone, in arrival order. */
  readonly goneVersions: number[] = [];
  private waiters: (() => void)[] = [];

  deliver(envelope: Sealed): void {
    this.envelopes.push(envelope);
    this.wake();
  }
  memberGone(appId: string, channel: string, userId: string, version: number): void {
    this.gone.push(`member ${appId} ${channel} ${userId}`);
    this.goneVersions.push(version);
    this.wake();
  }
  channelGone(appId: string, channel: string): void {
    this.gone.push(`channel ${appId} ${channel}`);
    this.wake();
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `check` holds, re-checked on every delivery; rejects after `ms`. */
  async until(what: string, check: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export interface AdapterCluster {
  nodes: Adapter[];
  deliveries: RecordingDelivery[];
  /** Ends node `i` the way a killed process ends: no goodbye. Absent when the adapter has no peers. */
  kill?(i: number): void;
  close(): Promise<void>;
}

export interface ContractOptions {
  name: string;
  /** Builds a started cluster of `nodes` nodes with fresh, empty state. */
  create(nodes: number): Promise<AdapterCluster>;
  /** How many nodes the implementation can form; 1 skips the cross-node cases. */
  maxNodes: number;
  /** Why cross-node cases are skipped, when they are. */
  singleNodeReason?: string;
  /** True when a node receives channel traffic only while it has subscribers there. */
  filtersByInterest?: boolean;
}

const APP = 'app-1';
let seq = 0;
/** A channel name unique to the test, so cases never see each other's state. */
const fresh = (prefix = '') => `${prefix}c${++seq}-${Math.random().toString(36).slice(2, 8)}`;
/** A member change without its version (checked on its own: it only has to grow). */
const cv = ({ changed, userCount }: MemberChange) => ({ changed, userCount });
const member = (userId: string, info: unknown = { name: userId }): PresenceMember => ({
  userId,
  userInfo: info,
});

export function adapterContract(opts: ContractOptions): void {
  describe(`Adapter contract: ${opts.name}`, () => {
    let c: AdapterCluster;
    let a: Adapter;
    before(async () => {
      c = await opts.create(Math.min(2, opts.maxNodes));
      a = c.nodes[0]!;
    });
    after(() => c.close());

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

    it('broadcast delivers to this node synchronously, exactly once', () => {
      const d = c.deliveries[0]!;
      const env: Envelope = { kind: 'channel', appId: APP, channel: fresh(), frame: '{"event":"e"}' };
      const before = d.envelopes.length;
      a.broadcast(env);
      a.broadcast(env);
      const [one, two] = d.envelopes.slice(before) as [Sealed, Sealed];
      assert.equal(d.envelopes.length, before + 2);
      assert.deepEqual(one, { ...env, origin: a.nodeId, seq: one.seq }, 'sealed with this node as origin');
      assert.ok(two.seq > one.seq, 'the origin numbers its envelopes in order');
    });

    const multi = opts.maxNodes >= 2;
    const skip = multi ? false : (opts.singleNodeReason ?? 'single node');

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

    it('cross-node: an envelope reaches the other node once, and its sender once', { skip }, async () => {
      const [n0, n1] = c.nodes as [Adapter, Adapter];
      const [d0, d1] = c.deliveries as [RecordingDelivery, RecordingDelivery];
      const ch = fresh();
      await n1.subscribe(APP, ch, '7.2');
      const frame = JSON.stringify({ event: 'e', channel: ch, data: 'x\ny"z' });
      n0.broadcast({ kind: 'channel', appId: APP, channel: ch, frame, except: '7.2', source: 'api' });
      const mine = (d: RecordingDelivery) =>
        d.envelopes.filter((e) => e.kind === 'channel' && e.channel === ch);
      await d1.until('the envelope on node 1', () => mine(d1).length === 1);
      assert.deepEqual(mine(d1)[0], {
        kind: 'channel',
        appId: APP,
        channel: ch,
        frame,
        except: '7.2',
        source: 'api',
        origin: n0.nodeId,
        seq: mine(d1)[0]?.seq,
      });
      // Typed member announcements and a burst from one origin arrive whole and in its order.
      for (let i = 0; i < 20; i++) {
        n0.broadcast({
          kind: 'member',
          appId: APP,
          channel: ch,
          change: i % 2 === 0 ? 'added' : 'removed',
          userId: `m${i}`,
          userInfo: { i },
          version: 100 + i,
        });
      }
      const members = () => d1.envelopes.filter((e) => e.kind === 'member' && e.channel === ch);
      await d1.until('20 member envelopes', () => members().length === 20);
      assert.deepEqual(
        members().map((e) => (e.kind === 'member' ? [e.userId, e.change, e.version, e.userInfo] : [])),
        Array.from({ length: 20 }, (_, i) => [`m${i}`, i % 2 === 0 ? 'added' : 'removed', 100 + i, { i }]),
      );
      const seqs = members().map((e) => e.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
      );
      // A second, later envelope proves the first one is not coming again.
      const ch2 = fresh();
      await n1.subscribe(APP, ch2, '7.2');
      n0.broadcast({ kind: 'channel', appId: APP, channel: ch2, frame: '{}' });
      await d1.until('the second envelope', () =>
        d1.envelopes.some((e) => e.kind === 'channel' && e.channel === ch2),
      );
      assert.equal(mine(d1).length, 1);
      assert.equal(mine(d0).length, 1, 'the sender delivers locally once and ignores its own echo');

      const u = fresh('user');
      await n1.addUserSocket(APP, u, '7.2');
      n0.broadcast({ kind: 'user', appId: APP, userId: u, frame: '{"event":"to-user"}' });
      n0.broadcast({ kind: 'terminate', appId: APP, userId: u });
      await d1.until('user and terminate envelopes', () =>
        d1.envelopes.some((e) => e.kind === 'terminate' && e.userId === u),
      );
      assert.ok(
        d1.envelopes.some((e) => e.kind === 'user' && e.userId === u && e.frame === '{"event":"to-user"}'),
      );
      n0.broadcast({ kind: 'watchlist', appId: APP, userId: 'watched', online: true });
      await d1.until('a watchlist envelope', () => d1.envelopes.some((e) => e.kind === 'watchlist'));
    });

    it('cross-node: a node only receives channels it has subscribers on', {
      skip: !multi
        ? skip
        : opts.filtersByInterest
          ? false
          : 'this adapter forwards every envelope (one machine)',
    }, async () => {
      const [n0, n1] = c.nodes as [Adapter, Adapter];
      const [, d1] = c.deliveries as [RecordingDelivery, RecordingDelivery];
      const quiet = fresh();
      const loud = fresh();
      await n1.subscribe(APP, loud, '8.2');
      await n1.subscribe(APP, quiet, '8.2');
      await n1.unsubscribe(APP, quiet, '8.2');
      n0.broadcast({ kind: 'channel', appId: APP, channel: quiet, frame: '{}' });
      n0.broadcast({ kind: 'channel', appId: APP, channel: loud, frame: '{}' });
      await d1.until('the subscribed channel', () =>
        d1.envelopes.some((e) => e.kind === 'channel' && e.channel === loud),
      );
      assert.equal(
        d1.envelopes.some((e) => e.kind === 'channel' && e.channel === quiet),
        false,
      );
    });
  });

  describe(`Adapter contract: ${opts.name}, a node dies`, () => {
    const skip = opts.maxNodes < 2 ? (opts.singleNodeReason ?? 'single node') : false;
    it("removes the dead node's members and channels and announces each once", { skip }, async () => {
      const c = await opts.create(2);
      try {
        const [n0, n1] = c.nodes as [Adapter, Adapter];
        const d0 = c.deliveries[0]!;
        const shared = fresh('presence-');
        const alone = fresh('presence-');
        await n0.subscribe(APP, shared, '9.1');
        await n0.addMember(APP, shared, '9.1', member('stays'));
        await n1.subscribe(APP, shared, '9.2');
        await n1.addMember(APP, shared, '9.2', member('stays'));
        await n1.subscribe(APP, shared, '9.3');
        await n1.addMember(APP, shared, '9.3', member('leaves'));
        await n1.subscribe(APP, alone, '9.2');
        await n1.addMember(APP, alone, '9.2', member('leaves'));
        const u = fresh('user');
        await n1.addUserSocket(APP, u, '9.2');
        c.kill!(1);
        await d0.until('the dead node cleaned up', () => d0.gone.length >= 3, 15_000);
        assert.deepEqual(
          [...d0.gone].sort(),
          [
            `channel ${APP} ${alone}`,
            `member ${APP} ${alone} leaves`,
            `member ${APP} ${shared} leaves`,
          ].sort(),
        );
        assert.deepEqual(await n0.channel(APP, shared), { subscriptionCount: 1, userCount: 1 });
        assert.deepEqual([...(await n0.members(APP, shared)).keys()], ['stays']);
        assert.deepEqual(await n0.channel(APP, alone), { subscriptionCount: 0, userCount: 0 });
        assert.deepEqual(await n0.onlineUsers(APP, [u]), []);
        await d0.until('watchlist offline', () =>
          d0.envelopes.some((e) => e.kind === 'watchlist' && e.userId === u && !e.online),
        );
      } finally {
        await c.close();
      }
    });
  });
}
