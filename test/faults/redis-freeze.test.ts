/**
 * A Redis that freezes (SIGSTOP, longer than the 2 s command timeout and than the 1.8 s after which a
 * silent node counts as dead with a 3 s node timeout) under two Herald processes: requests never hang
 * (subscribe, GET /channels, a trigger each get an answer while Redis is still stopped), a trigger is
 * refused rather than silently lost, and once Redis thaws no node is declared dead (no false
 * member_removed, no duplicate member_added at a pusher-js watcher on the other node).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { joinAs, sdk, spawnNode, stop, uniquePrefix } from '../helpers/cluster.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import type { HeraldProcess } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { eventually } from '../helpers/wait.js';

const FREEZE_MS = 5000;
let redis: PrivateRedis;
let a: HeraldProcess;
let b: HeraldProcess;
const clients: PusherJs[] = [];

before(async () => {
  redis = await PrivateRedis.start();
  const prefix = uniquePrefix();
  [a, b] = await Promise.all([spawnNode(redis.url, prefix), spawnNode(redis.url, prefix)]);
});
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([stop(a), stop(b)]);
  await redis.stop();
});

const join = (port: number, userId: string, channel: string) => joinAs(port, userId, channel, clients);

test('Redis frozen past the command timeout: no hang, no silent 200, no node declared dead', async () => {
  const seen: string[] = [];
  const watch = await join(b.port, 'watcher', 'presence-room');
  watch.bind('pusher:member_added', (m: { id: string }) => seen.push(`+${m.id}`));
  watch.bind('pusher:member_removed', (m: { id: string }) => seen.push(`-${m.id}`));
  watch.bind('marker', () => seen.push('marker'));
  await join(a.port, 'alice', 'presence-room');
  await eventually('alice at the watcher', async () => assert.deepEqual(seen, ['+alice']));

  redis.freeze();
  const frozenAt = Date.now();
  // Each of these must be answered while Redis is still stopped: no request waits for Redis to thaw.
  const channels = await sdk(a.port).get({ path: '/channels' });
  assert.equal(channels.status, 200);
  assert.equal(redis.frozen, true);
  await join(a.port, 'carol', 'presence-other');
  assert.equal(redis.frozen, true, 'a subscribe during the freeze is answered during the freeze');
  await assert.rejects(sdk(a.port).trigger('presence-room', 'during', {}), (err: { status?: number }) => {
    assert.equal(err.status, 503, 'a trigger that cannot reach the other node is refused');
    return true;
  });
  assert.equal(redis.frozen, true);
  // Hold the freeze long enough for every node to look dead by its last heartbeat.
  await new Promise((r) => setTimeout(r, Math.max(0, FREEZE_MS - (Date.now() - frozenAt))));
  redis.thaw();

  // After the thaw: wait until both nodes say Redis is back and beat again, then a marker.
  await eventually(
    'both nodes back',
    async () => {
      for (const n of [a, b]) assert.match(n.output(), /Redis is back/);
    },
    20_000,
  );
  await eventually(
    'a trigger across again',
    async () => {
      await sdk(a.port).trigger('presence-room', 'marker', {});
      await eventually('marker', async () => assert.ok(seen.includes('marker')), 1000);
    },
    20_000,
  );
  // Any reaping would have happened on the first beats after the thaw, well before now.
  await new Promise((r) => setTimeout(r, 2500));
  await sdk(a.port).trigger('presence-room', 'marker', {});
  await eventually('second marker', async () =>
    assert.equal(seen.filter((s) => s === 'marker').length >= 2, true),
  );
  assert.deepEqual(
    seen.filter((s) => s !== 'marker'),
    ['+alice'],
    'no false member_removed and no duplicate member_added',
  );
  for (const n of [a, b]) assert.doesNotMatch(n.output(), /stopped beating/, 'no node was reaped');
});
