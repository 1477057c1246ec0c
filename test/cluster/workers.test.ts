/**
 * `herald start --workers 2` without Redis: two worker processes share the port and coordinate
 * through the primary (IPC). Connections are spread over both workers (node:cluster round-robin), so
 * clients only see each other's members and events if the workers share state and traffic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deletePrefix, REDIS_URL, sdk, spawnNode, stop, uniquePrefix } from '../helpers/cluster.js';
import {
  children,
  descendants,
  exitWithin,
  type HeraldProcess,
  isRunning,
  killTree,
  spawnHerald,
  within,
} from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/wait.js';

let herald: HeraldProcess;
const raws: RawClient[] = [];

async function raw(): Promise<RawClient> {
  const r = await RawClient.open(herald.port);
  raws.push(r);
  return r;
}

before(async () => {
  herald = await spawnHerald(['--workers', '2'], { HERALD_SHUTDOWN_TIMEOUT: '0' });
  await eventually('both workers listening', async () => {
    assert.equal(herald.output().match(/worker \d+ listening/g)?.length, 2);
  });
});

after(async () => {
  for (const r of raws) r.close();
  // Even after a failed test: the primary and every worker it started.
  if (herald) await killTree(herald);
});

describe('--workers 2 without Redis', () => {
  it('runs two workers on one port, sharing presence, client events and API events', async () => {
    assert.equal(children(herald.child.pid!).length, 2, 'two worker processes');
    const clients = [await raw(), await raw(), await raw(), await raw()];
    for (const [i, c] of clients.entries()) {
      await c.join(sdk(herald.port), 'presence-shared', { user_id: `u${i}` });
      await c.join(sdk(herald.port), 'private-talk');
    }
    const joiner = await raw();
    const ok = await joiner.join(sdk(herald.port), 'presence-shared', { user_id: 'u-last' });
    assert.equal((ok.payload as { presence: { count: number } }).presence.count, 5, 'every worker’s members');
    for (const c of clients) {
      await c.next(
        (f) => f.event === 'pusher_internal:member_added' && JSON.stringify(f.payload).includes('u-last'),
      );
    }
    const first = clients[0]!;
    assert.deepEqual(
      first.log
        .filter((f) => f.event === 'pusher_internal:member_added')
        .map((f) => (f.payload as { user_id: string }).user_id),
      ['u1', 'u2', 'u3', 'u-last'],
    );

    first.emit('client-hi', { from: 0 }, 'private-talk');
    for (const c of clients.slice(1)) await c.next((f) => f.event === 'client-hi');
    assert.equal(
      first.count((f) => f.event === 'client-hi'),
      0,
      'no echo',
    );

    await sdk(herald.port).trigger('private-talk', 'from-api', { ok: 1 });
    for (const c of clients) await c.next((f) => f.event === 'from-api');
    const users = (await (
      await sdk(herald.port).get({ path: '/channels/presence-shared/users' })
    ).json()) as {
      users: { id: string }[];
    };
    assert.equal(users.users.length, 5);
  });

  it('a worker that dies is cleaned up after: its members leave, and a new worker takes its place', async () => {
    const [victim] = children(herald.child.pid!);
    // Four connections in a row land two on each worker (round-robin).
    const cs = [await raw(), await raw(), await raw(), await raw()];
    for (const [i, c] of cs.entries()) await c.join(sdk(herald.port), 'presence-crash', { user_id: `v${i}` });
    process.kill(victim!, 'SIGKILL');
    const isOpen = (c: RawClient) => c.ws.readyState === c.ws.OPEN;
    await eventually('the killed worker’s connections to drop', async () =>
      assert.equal(cs.filter(isOpen).length, 2),
    );
    const alive = cs.filter(isOpen);
    const deadUsers = cs.flatMap((c, i) => (isOpen(c) ? [] : [`v${i}`]));
    for (const c of alive) {
      for (const user of deadUsers) {
        await c.next(
          (f) => f.event === 'pusher_internal:member_removed' && JSON.stringify(f.payload).includes(user),
        );
      }
    }
    const users = (await (await sdk(herald.port).get({ path: '/channels/presence-crash/users' })).json()) as {
      users: { id: string }[];
    };
    assert.deepEqual(
      users.users.map((u) => u.id).sort(),
      cs.flatMap((c, i) => (isOpen(c) ? [`v${i}`] : [])),
    );
    await eventually('a replacement worker', async () => {
      const now = children(herald.child.pid!);
      assert.equal(now.length, 2);
      assert.ok(!now.includes(victim!));
    });
  });

  it('SIGTERM drains every worker with 4200 and the primary exits 0', async () => {
    const c = await raw();
    herald.child.kill('SIGTERM');
    assert.equal(
      await within(
        c.closed.then((c) => c.code),
        20_000,
        'the client closed',
      ),
      4200,
    );
    assert.equal(await exitWithin(herald), 0, herald.output());
  });
});

describe('--workers 2: SIGTERM, again and again', () => {
  // Issue 18: the primary counted cluster.workers in its exit handler, where the last worker can still
  // be listed (Node removes it only after its disconnect too), and then never exited.
  it('each time the primary exits 0 after its workers and no process of the tree is left', async () => {
    for (let round = 0; round < 3; round++) {
      const h = await spawnHerald(['--workers', '2'], { HERALD_SHUTDOWN_TIMEOUT: '0' });
      try {
        await eventually(`round ${round}: both workers listening`, async () => {
          assert.equal(h.output().match(/worker \d+ listening/g)?.length, 2, h.output());
        });
        const tree = descendants(h.child.pid!);
        assert.equal(tree.length, 2, 'two workers');
        h.child.kill('SIGTERM');
        assert.equal(await exitWithin(h), 0, `round ${round}: ${h.output()}`);
        // The primary reaps its workers before it exits, so none is left even as a zombie.
        assert.deepEqual(tree.filter(isRunning), [], `round ${round}: workers gone`);
      } finally {
        await killTree(h);
      }
    }
  });
});

describe('--workers 2 with Redis', () => {
  it('each worker is a Redis node: members and events are shared across them', async () => {
    const prefix = uniquePrefix();
    const h = await spawnNode(REDIS_URL, prefix, {}, ['--workers', '2']);
    const cs: RawClient[] = [];
    try {
      await eventually('both workers listening', async () => {
        assert.equal(h.output().match(/worker \d+ listening/g)?.length, 2);
      });
      assert.equal(children(h.child.pid!).length, 2);
      for (let i = 0; i < 4; i++) {
        const c = await RawClient.open(h.port);
        cs.push(c);
        await c.join(sdk(h.port), 'presence-redis-workers', { user_id: `r${i}` });
      }
      const users = (await (
        await sdk(h.port).get({ path: '/channels/presence-redis-workers/users' })
      ).json()) as {
        users: { id: string }[];
      };
      assert.equal(users.users.length, 4);
      await sdk(h.port).trigger('presence-redis-workers', 'all', {});
      for (const c of cs) await c.next((f) => f.event === 'all');
      assert.equal(
        cs[0]!.count((f) => f.event === 'pusher_internal:member_added'),
        3,
        'the first client saw every other member, on both workers',
      );
    } finally {
      for (const c of cs) c.close();
      await stop(h, 'SIGTERM');
      await deletePrefix(REDIS_URL, prefix);
    }
  });
});
