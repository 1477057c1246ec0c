/**
 * Redis restarted mid-test, on a private redis-server (the shared one on 6379 is never touched): the
 * nodes keep serving their own clients while it is down (triggers are refused with 503), reconnect with back-off, write their
 * subscriptions, presence members and users back, and log what was degraded. Once Redis comes back
 * empty (data lost), once with its data (append-only file), when what changed meanwhile must be fixed;
 * a node started during the outage comes up alone and joins when Redis is back.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sdk, spawnNode, stop, uniquePrefix } from '../helpers/cluster.js';
import { redisAnswers } from '../helpers/private-redis.js';
import type { HeraldProcess } from '../helpers/process.js';
import { freePort } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/wait.js';

let redisPort = 0;
let redis: ChildProcess | null = null;
const redisDir = mkdtempSync(join(tmpdir(), 'herald-redis-restart-'));
let nodes: HeraldProcess[] = [];
const raws: RawClient[] = [];
const prefix = uniquePrefix();

/** Starts the private Redis; it keeps its data across restarts unless `empty`. */
async function startRedis(empty = false): Promise<void> {
  if (empty) rmSync(join(redisDir, 'appendonlydir'), { recursive: true, force: true });
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--dir', redisDir],
      ...['--appendonly', 'yes', '--appendfsync', 'always'],
    ],
    { stdio: 'ignore' },
  );
  redis = child;
  await redisAnswers(redisPort);
}

async function killRedis(): Promise<void> {
  const child = redis;
  redis = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function raw(port: number): Promise<RawClient> {
  const r = await RawClient.open(port);
  raws.push(r);
  return r;
}

before(async () => {
  redisPort = await freePort();
  await startRedis();
  const url = `redis://127.0.0.1:${redisPort}`;
  nodes = await Promise.all([0, 1].map(() => spawnNode(url, prefix)));
});

after(async () => {
  for (const r of raws) r.close();
  await Promise.all(nodes.map((n) => stop(n)));
  await killRedis();
  rmSync(redisDir, { recursive: true, force: true });
});

describe('Redis restarted mid-test', () => {
  it('nodes survive the outage, serve locally, then resynchronise and deliver across nodes again', async () => {
    const [n0, n1] = nodes as [HeraldProcess, HeraldProcess];
    const r0 = await raw(n0.port);
    const r1 = await raw(n1.port);
    await r0.join(sdk(n0.port), 'presence-lobby', { user_id: 'p0' });
    await r1.join(sdk(n1.port), 'presence-lobby', { user_id: 'p1' });
    await r0.join(sdk(n0.port), 'feed');
    await r1.join(sdk(n1.port), 'feed');
    await sdk(n1.port).trigger('feed', 'before', { n: 0 });
    await r0.next((f) => f.event === 'before');

    await killRedis();
    // Local delivery goes on: an event triggered on node 0 reaches node 0's subscriber.
    await eventually('node 0 to notice the outage', async () =>
      assert.match(n0.output(), /Redis unavailable/),
    );
    // A trigger cannot reach the other nodes: it is refused (503, retry later), never a silent 200.
    await assert.rejects(sdk(n0.port).trigger('feed', 'during', { n: 1 }), (err: { status?: number }) => {
      assert.equal(err.status, 503);
      return true;
    });
    // New work is still accepted while Redis is away.
    const late = await raw(n1.port);
    await late.join(sdk(n1.port), 'presence-lobby', { user_id: 'late' });
    const res = await sdk(n1.port).get({ path: '/channels/presence-lobby/users' });
    assert.equal(res.status, 200, 'the HTTP API answers (for this node) during the outage');

    await startRedis(true);
    await eventually(
      'both nodes to write their state back',
      async () => {
        const users = (await (await sdk(n0.port).get({ path: '/channels/presence-lobby/users' })).json()) as {
          users: { id: string }[];
        };
        assert.deepEqual(users.users.map((u) => u.id).sort(), ['late', 'p0', 'p1']);
      },
      15_000,
    );
    let seq = 0;
    await eventually('cross-node delivery again', async () => {
      const tag = `after-${++seq}`;
      await sdk(n1.port).trigger('feed', tag, {});
      await r0.next((f) => f.event === tag, 500);
    });
    const info = (await (
      await sdk(n1.port).get({ path: '/channels/feed', params: { info: 'subscription_count' } })
    ).json()) as {
      subscription_count: number;
    };
    assert.equal(info.subscription_count, 2);
    if (process.env['HERALD_TEST_SHOW_LOGS']) for (const n of [n0, n1]) console.log(n.output());
    for (const n of [n0, n1]) {
      assert.equal(n.child.exitCode, null, 'the node did not crash');
      assert.match(n.output(), /Redis is back/);
    }
    // The late joiner was announced to the other node once Redis was back.
    await r0.next(
      (f) => f.event === 'pusher_internal:member_added' && JSON.stringify(f.payload).includes('late'),
    );
    assert.equal(
      r0.count(
        (f) => f.event === 'pusher_internal:member_added' && JSON.stringify(f.payload).includes('"p0"'),
      ),
      0,
      'a socket is never told that its own user joined',
    );
  });

  it('Redis back with its data: what changed during the outage is written back and announced', async () => {
    const [n0, n1] = nodes as [HeraldProcess, HeraldProcess];
    const b0 = await raw(n0.port);
    const b1 = await raw(n1.port);
    const b2 = await raw(n1.port);
    await b0.join(sdk(n0.port), 'presence-blip', { user_id: 'b0' });
    await b1.join(sdk(n1.port), 'presence-blip', { user_id: 'b1' });
    await b2.join(sdk(n1.port), 'presence-blip', { user_id: 'b2' });
    await b0.next(
      (f) => f.event === 'pusher_internal:member_added' && JSON.stringify(f.payload).includes('b2'),
    );

    await killRedis();
    b2.close();
    await eventually('node 1 to see b2 leave while Redis is away', async () => {
      const users = (await (await sdk(n1.port).get({ path: '/channels/presence-blip/users' })).json()) as {
        users: { id: string }[];
      };
      assert.deepEqual(users.users.map((u) => u.id).sort(), ['b1']);
    });
    // A node started while Redis is away comes up anyway and serves its own clients.
    const n2 = await spawnNode(`redis://127.0.0.1:${redisPort}`, prefix);
    nodes.push(n2);
    await eventually('the start-up warning', async () =>
      assert.match(n2.output(), /Redis is not reachable: running alone/),
    );
    const b3 = await raw(n2.port);
    await b3.join(sdk(n2.port), 'presence-blip', { user_id: 'b3' });
    await startRedis();

    const removed = await b0.next(
      (f) => f.event === 'pusher_internal:member_removed' && JSON.stringify(f.payload).includes('b2'),
      15_000,
    );
    assert.deepEqual(removed.payload, { user_id: 'b2' });
    await eventually('the stale member gone from the shared state', async () => {
      const users = (await (await sdk(n0.port).get({ path: '/channels/presence-blip/users' })).json()) as {
        users: { id: string }[];
      };
      assert.deepEqual(users.users.map((u) => u.id).sort(), ['b0', 'b1', 'b3']);
    });
    await b0.next(
      (f) => f.event === 'pusher_internal:member_added' && JSON.stringify(f.payload).includes('b3'),
    );
    const info = (await (
      await sdk(n0.port).get({ path: '/channels/presence-blip', params: { info: 'subscription_count' } })
    ).json()) as { subscription_count: number };
    assert.equal(info.subscription_count, 3);
  });
});
