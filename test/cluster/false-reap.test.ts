/**
 * A node that stalls past the node timeout (here: SIGSTOP) is presumed dead; another node reaps it and
 * announces its members' leaves, which reach every socket, the stalled node's own included. When it
 * resumes it writes its state back, and every socket must end with the true member list: the others
 * hear the user is back, and so does the user's own socket, which was told it had left.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type ClientChannel,
  pusherClient,
  REDIS_URL,
  spawnNode,
  subscribed,
  uniquePrefix,
} from '../helpers/cluster.js';
import { type HeraldProcess, killTree } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { waitFor } from '../helpers/wait.js';

const prefix = uniquePrefix();
let nodeA: HeraldProcess;
let nodeB: HeraldProcess;
const clients: PusherJs[] = [];

before(async () => {
  const env = { HERALD_NODE_TIMEOUT: '2', HERALD_METRICS: 'false', HERALD_CONSOLE: 'false' };
  [nodeA, nodeB] = await Promise.all([spawnNode(REDIS_URL, prefix, env), spawnNode(REDIS_URL, prefix, env)]);
});

after(async () => {
  for (const c of clients) c.disconnect();
  nodeA?.child.kill('SIGCONT');
  await Promise.all([nodeA && killTree(nodeA), nodeB && killTree(nodeB)]);
});

const ids = (ch: ClientChannel) => {
  const out: string[] = [];
  (ch.members as unknown as { each(f: (m: { id: string }) => void): void }).each((m) => out.push(m.id));
  return out.sort();
};

test('a stalled node presumed dead comes back: everyone, the user itself included, sees it again', async () => {
  const alice = pusherClient(nodeA.port, { userId: 'alice' });
  const bob = pusherClient(nodeB.port, { userId: 'bob' });
  clients.push(alice, bob);
  const bobRoom = await subscribed(bob, 'presence-stall');
  const aliceRoom = await subscribed(alice, 'presence-stall');
  await waitFor('bob sees alice', (done) => {
    if (ids(bobRoom).includes('alice')) done(true);
    else bobRoom.bind('pusher:member_added', () => done(true));
  });

  const bobSawLeave = waitFor('bob sees alice leave', (done) => bobRoom.bind('pusher:member_removed', done));
  const aliceSawLeave = waitFor('alice is told she left', (done) =>
    aliceRoom.bind('pusher:member_removed', done),
  );
  nodeA.child.kill('SIGSTOP');
  await bobSawLeave;
  const bobSawReturn = waitFor('bob sees alice again', (done) => bobRoom.bind('pusher:member_added', done));
  const aliceSawReturn = waitFor('alice is told she is back', (done) =>
    aliceRoom.bind('pusher:member_added', done),
  );
  nodeA.child.kill('SIGCONT');
  await aliceSawLeave;
  await Promise.all([bobSawReturn, aliceSawReturn]);
  assert.deepEqual(ids(bobRoom), ['alice', 'bob']);
  assert.deepEqual(ids(aliceRoom), ['alice', 'bob']);
});
