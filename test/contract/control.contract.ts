/**
 * The control role's contract: a started node is ready and names itself; a closed one hands its node
 * nothing more; a node that dies without a goodbye is cleaned up by the others, each leave announced
 * once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Adapter } from '../../src/adapters/adapter.js';
import { APP, type ContractOptions, crossNodeSkip, fresh, member } from './harness.js';

export function controlContract(opts: ContractOptions): void {
  describe(`Control contract: ${opts.name}`, () => {
    const skip = crossNodeSkip(opts);

    it('a started node is ready, not degraded, and has an id of its own', async () => {
      const c = await opts.create(Math.min(2, opts.maxNodes));
      try {
        for (const n of c.nodes) {
          assert.equal(n.ready(), true);
          assert.equal(n.degraded(), null);
          assert.ok(n.nodeId.length > 0);
        }
        assert.equal(new Set(c.nodes.map((n) => n.nodeId)).size, c.nodes.length, 'node ids differ');
      } finally {
        await c.close();
      }
    });

    it('a closed node is handed nothing more', async () => {
      const c = await opts.create(1);
      const [a] = c.nodes as [Adapter];
      const d = c.deliveries[0]!;
      await c.close();
      const before = d.envelopes.length;
      a.broadcast({ kind: 'channel', appId: APP, channel: fresh(), frame: '{}' });
      assert.equal(d.envelopes.length, before);
    });

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
        // The user's last signed-in socket was there: the survivor is told, to fire user_offline once.
        await d0.until('the user gone', () => d0.news.includes(`user gone ${APP} ${u}`));
      } finally {
        await c.close();
      }
    });
  });
}
