/**
 * The broker role's contract: envelopes are sealed with their origin and an ordered sequence number,
 * delivered to this node synchronously and to every other node once, in the origin's order; an
 * adapter that filters by interest carries a channel only to nodes with subscribers there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Adapter, Envelope, Sealed } from '../../src/adapters/adapter.js';
import {
  type AdapterCluster,
  APP,
  type ContractOptions,
  crossNodeSkip,
  fresh,
  type RecordingDelivery,
} from './harness.js';

export function brokerContract(opts: ContractOptions): void {
  describe(`Broker contract: ${opts.name}`, () => {
    let c: AdapterCluster;
    let a: Adapter;
    before(async () => {
      c = await opts.create(Math.min(2, opts.maxNodes));
      a = c.nodes[0]!;
    });
    after(() => c.close());

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

    it('publish: delivered here at once, then acknowledged once every node can get it', async () => {
      const d = c.deliveries[0]!;
      const ch = fresh();
      assert.equal(a.publishable(), true, 'a started node with its shared state reachable can publish');
      const ack = a.publish({ kind: 'channel', appId: APP, channel: ch, frame: '{"event":"ack"}' });
      assert.equal(
        d.envelopes.filter((e) => e.kind === 'channel' && e.channel === ch).length,
        1,
        'delivered locally before the acknowledgement',
      );
      // undefined: one process is the whole cluster, delivery was complete at once.
      if (ack !== undefined) await ack;
    });

    const multi = opts.maxNodes >= 2;
    const skip = crossNodeSkip(opts);

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
}
