/**
 * Cluster-wide events fire once for the cluster, not once per node: channel_occupied / vacated and
 * member_added / removed (what webhooks and metrics are built from) counted over the server-event
 * streams of two in-process nodes, with a third node as a process that is SIGKILLed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerEvent } from '../../src/events/server-events.js';
import { deletePrefix, REDIS_URL, sdk, spawnNode, stop, uniquePrefix } from '../helpers/cluster.js';
import type { HeraldProcess } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

async function fetchTrigger(port: number, channel: string): Promise<number> {
  return (await sdk(port).trigger(channel, 'wire', { n: 1 })).status;
}

const prefix = uniquePrefix();
let a: TestServer;
let b: TestServer;
let c: HeraldProcess;
const events: ServerEvent[] = [];
const raws: RawClient[] = [];

async function raw(port: number): Promise<RawClient> {
  const r = await RawClient.open(port);
  raws.push(r);
  return r;
}

function count(type: ServerEvent['type'], channel: string, userId?: string): number {
  return events.filter(
    (e) =>
      e.type === type &&
      'channel' in e &&
      e.channel === channel &&
      (userId === undefined || ('userId' in e && e.userId === userId)),
  ).length;
}

before(async () => {
  const adapter = { driver: 'redis' as const, redisUrl: REDIS_URL, prefix, nodeTimeout: 3 };
  a = await startHerald({ adapter });
  b = await startHerald({ adapter });
  for (const s of [a, b]) s.herald.events.tap((e) => events.push(e));
  c = await spawnNode(REDIS_URL, prefix);
});

after(async () => {
  for (const r of raws) r.close();
  await stop(c);
  await Promise.all([a.close(), b.close()]);
  await deletePrefix(REDIS_URL, prefix);
});

describe('events fire once for the cluster', () => {
  it('channel_occupied / member_added on the first join anywhere, vacated / removed on the last leave', async () => {
    const ra = await raw(a.port);
    const rb = await raw(b.port);
    await ra.join(sdk(a.port), 'presence-once', { user_id: 'same' });
    await rb.join(sdk(b.port), 'presence-once', { user_id: 'same' });
    await rb.join(sdk(b.port), 'presence-once-other', { user_id: 'other' });
    assert.equal(count('channel_occupied', 'presence-once'), 1);
    assert.equal(count('member_added', 'presence-once', 'same'), 1);

    ra.close();
    await eventually('first leave handled', async () =>
      assert.equal(count('unsubscribed', 'presence-once'), 1),
    );
    assert.equal(count('member_removed', 'presence-once', 'same'), 0, 'still there through node b');
    assert.equal(count('channel_vacated', 'presence-once'), 0);
    rb.close();
    await eventually('last leave handled', async () =>
      assert.equal(count('channel_vacated', 'presence-once'), 1),
    );
    assert.equal(count('member_removed', 'presence-once', 'same'), 1);
    assert.equal(count('channel_vacated', 'presence-once-other'), 1);
  });

  it('an event is encoded and published once, and received only by the other node with subscribers', async () => {
    const ra = await raw(a.port);
    const rb = await raw(b.port);
    await ra.join(sdk(a.port), 'once-wire');
    await rb.join(sdk(b.port), 'once-wire');
    const rb2 = await raw(b.port);
    await rb2.join(sdk(b.port), 'once-wire');
    const before = events.length;
    const res = await fetchTrigger(a.port, 'once-wire');
    assert.equal(res, 200);
    await rb.next((f) => f.event === 'wire');
    await ra.next((f) => f.event === 'wire');
    await rb2.next((f) => f.event === 'wire');
    const wire = events.slice(before).filter((e) => e.type === 'adapter');
    assert.deepEqual(
      wire.map((e) => (e as { op: string }).op),
      ['publish', 'receive'],
      'one publish by the triggering node, one receive by the other node for its two subscribers',
    );
  });

  it('a SIGKILLed node’s leaves are announced once, by one surviving node', async () => {
    const watcher = await raw(a.port);
    await watcher.join(sdk(a.port), 'presence-ghosts', { user_id: 'watcher' });
    const ghost = await raw(c.port);
    await ghost.join(sdk(c.port), 'presence-ghosts', { user_id: 'ghost' });
    await ghost.join(sdk(c.port), 'haunted');
    await watcher.next((f) => f.event === 'pusher_internal:member_added');
    assert.equal(count('channel_occupied', 'haunted'), 0, 'occupied was emitted by the other process');

    await stop(c, 'SIGKILL');
    const removed = await watcher.next((f) => f.event === 'pusher_internal:member_removed', 10_000);
    assert.deepEqual(removed.payload, { user_id: 'ghost' });
    await eventually('vacated', async () => assert.ok(count('channel_vacated', 'haunted') > 0));
    // One more round trip through the cluster, so a duplicate would have arrived by now.
    const probe = await raw(b.port);
    await probe.join(sdk(b.port), 'presence-ghosts', { user_id: 'probe' });
    await watcher.next(
      (f) => f.event === 'pusher_internal:member_added' && JSON.stringify(f.payload).includes('probe'),
    );
    assert.equal(count('member_removed', 'presence-ghosts', 'ghost'), 1);
    assert.equal(count('channel_vacated', 'haunted'), 1);
    assert.equal(
      watcher.count((f) => f.event === 'pusher_internal:member_removed'),
      1,
    );
  });
});
