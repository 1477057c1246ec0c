/**
 * SIGKILL of one node of two sharing Redis (issue 11): the survivor announces the dead node's presence
 * member once, its /users and channel stats drop it, its probes answer throughout, and a pusher-js
 * bystander on the survivor receives every event triggered before, during and after the kill.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Bystander } from '../helpers/bystander.js';
import {
  deletePrefix,
  pusherClient,
  REDIS_URL,
  sdk,
  spawnNode,
  stop,
  subscribed,
  uniquePrefix,
} from '../helpers/cluster.js';
import type { HeraldProcess } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { waitFor } from '../helpers/wait.js';

const prefix = uniquePrefix();
let survivor: HeraldProcess;
let doomed: HeraldProcess;
let bystander: Bystander;
const clients: PusherJs[] = [];

before(async () => {
  [survivor, doomed] = await Promise.all([spawnNode(REDIS_URL, prefix), spawnNode(REDIS_URL, prefix)]);
  bystander = await Bystander.start({
    port: survivor.port,
    app: { id: 'app-id', key: 'app-key', secret: 'app-secret' },
  });
});

after(async () => {
  bystander.close();
  for (const c of clients) c.disconnect();
  await Promise.all([stop(survivor), stop(doomed)]);
  await deletePrefix(REDIS_URL, prefix);
});

async function probe(port: number, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  return res.status;
}

test('the survivor cleans the dead node’s presence member once, answers probes, and the bystander loses nothing', async () => {
  const observer = pusherClient(survivor.port, { userId: 'olga' });
  const victim = pusherClient(doomed.port, { userId: 'victor' });
  clients.push(observer, victim);
  const room = await subscribed(observer, 'presence-fault');
  const removed: string[] = [];
  room.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));
  const joined = waitFor('victor joined', (done) => room.bind('pusher:member_added', done));
  await subscribed(victim, 'presence-fault');
  await joined;

  bystander.start();
  // Probes keep being answered until the dead node is found out (node timeout 3 s in these tests).
  let probing = true;
  const statuses: number[] = [];
  const probes = (async () => {
    while (probing) {
      statuses.push(await probe(survivor.port, '/health'), await probe(survivor.port, '/ready'));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  try {
    // The bound is the node timeout (3 s here) plus a sweep; generous, as the test box may be loaded.
    const gone = waitFor(
      'member_removed for victor',
      (done) => room.bind('pusher:member_removed', done),
      30_000,
    );
    await stop(doomed, 'SIGKILL');
    await gone;
  } finally {
    probing = false;
  }

  // Exactly one member_removed: a marker sent after it must arrive with nothing else before it.
  const marker = waitFor('marker', (done) => room.bind('marker', done));
  await sdk(survivor.port).trigger('presence-fault', 'marker', {});
  await marker;
  assert.deepEqual(removed, ['victor']);
  assert.equal(room.members.count, 1);

  const users = (await (await sdk(survivor.port).get({ path: '/channels/presence-fault/users' })).json()) as {
    users: { id: string }[];
  };
  assert.deepEqual(users, { users: [{ id: 'olga' }] });

  await probes;
  assert.ok(statuses.length >= 2);
  assert.ok(
    statuses.every((s) => s === 200),
    `probes: ${statuses.join(',')}`,
  );
  await bystander.stop();
  assert.ok(bystander.count > 0);
});
