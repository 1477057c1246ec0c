/**
 * Two Herald nodes serving TLS (a self-signed certificate made here) and sharing Redis, seen by the
 * official clients: pusher-js over wss:// behind a TCP balancer that prefers node A, another pusher-js
 * on node B, the SDK over https:// to node B. Presence, client events, socket_id exclusion and cache
 * replay cross the nodes; a SIGTERM on node A moves alice to node B with her subscriptions and
 * presence identity, and the cluster-wide channel list stays right.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import PusherServer from 'pusher';
import {
  type ClientChannel,
  type ClientIdentity,
  clientOptions,
  deletePrefix,
  KEY,
  REDIS_URL,
  SECRET,
  STEADY_NODE_TIMEOUT,
  spawnNode,
  stop,
  subscribed,
  uniquePrefix,
} from '../helpers/cluster.js';
import { selfSignedCert, startBalancer } from '../helpers/front.js';
import type { HeraldProcess } from '../helpers/process.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { eventually, waitFor } from '../helpers/wait.js';

const prefix = uniquePrefix();
const dir = mkdtempSync(join(tmpdir(), 'herald-tls-cluster-'));
let nodeA: HeraldProcess;
let nodeB: HeraldProcess;
let balancer: net.Server;
let balancerPort: number;
const clients: PusherJs[] = [];

before(async () => {
  const { cert, key } = selfSignedCert(dir);
  const env = {
    HERALD_SSL_CERT: cert,
    HERALD_SSL_KEY: key,
    HERALD_APP_CLIENT_EVENTS: 'true',
    HERALD_NODE_TIMEOUT: STEADY_NODE_TIMEOUT,
  };
  [nodeA, nodeB] = await Promise.all([
    spawnNode(REDIS_URL, prefix, { ...env, HERALD_SHUTDOWN_TIMEOUT: '1' }),
    spawnNode(REDIS_URL, prefix, env),
  ]);
  balancer = await startBalancer(nodeA.port, nodeB.port);
  balancerPort = (balancer.address() as net.AddressInfo).port;
  // The self-signed certificate is trusted for this process only.
  process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
});

after(async () => {
  for (const c of clients) c.disconnect();
  balancer?.close();
  await Promise.all([nodeA, nodeB].filter(Boolean).map((n) => stop(n)));
  await deletePrefix(REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

function tlsClient(port: number, who: ClientIdentity): PusherJs {
  const c = new PusherJs(KEY, { ...clientOptions(port, who), forceTLS: true, wssPort: port } as never);
  clients.push(c);
  return c;
}

function httpsSdk(port: number): PusherServer {
  return new PusherServer({
    appId: 'app-id',
    key: KEY,
    secret: SECRET,
    host: '127.0.0.1',
    port: String(port),
    useTLS: true,
  });
}

const ids = (ch: ClientChannel) => {
  const out: string[] = [];
  (ch.members as unknown as { each(f: (m: { id: string }) => void): void }).each((m) => out.push(m.id));
  return out.sort();
};

test('over TLS on two nodes: presence, whispers, exclusion and cache cross nodes; a drain keeps alice', async () => {
  const api = httpsSdk(nodeB.port);
  // A cache channel filled on node B before anyone listens.
  await api.trigger('cache-ticker', 'price', { v: 42 });

  const alice = tlsClient(balancerPort, { userId: 'alice', userInfo: { name: 'Alice' } });
  const bob = tlsClient(nodeB.port, { userId: 'bob', userInfo: { name: 'Bob' } });
  const bobRoom = await subscribed(bob, 'presence-room');
  const aliceJoined = waitFor<{ id: string; info: unknown }>('alice member_added at bob', (done) =>
    bobRoom.bind('pusher:member_added', done),
  );
  const aliceRoom = await subscribed(alice, 'presence-room');
  assert.deepEqual(await aliceJoined, { id: 'alice', info: { name: 'Alice' } });
  assert.deepEqual(ids(aliceRoom), ['alice', 'bob']);

  // The cached event is replayed to alice on node A.
  const ticker = alice.subscribe('cache-ticker');
  assert.deepEqual(await waitFor('cached price', (done) => ticker.bind('price', done)), { v: 42 });

  // A whisper from alice (node A) reaches bob (node B) with her user_id.
  const whisper = waitFor<[unknown, { user_id?: string }]>('whisper at bob', (done) =>
    bobRoom.bind('client-typing', (d: unknown, meta: { user_id?: string }) => done([d, meta])),
  );
  aliceRoom.trigger('client-typing', { on: true });
  const [wd, meta] = await whisper;
  assert.deepEqual(wd, { on: true });
  assert.equal(meta.user_id, 'alice');

  // Excluding alice's socket (node A) in a trigger received by node B.
  let aliceGotExcluded = 0;
  aliceRoom.bind('saved', () => aliceGotExcluded++);
  const bobGot = waitFor('saved at bob', (done) => bobRoom.bind('saved', done));
  const aliceMarker = waitFor('marker at alice', (done) => aliceRoom.bind('marker', done));
  await api.trigger('presence-room', 'saved', { id: 1 }, { socket_id: alice.connection.socket_id });
  await api.trigger('presence-room', 'marker', {});
  assert.deepEqual(await bobGot, { id: 1 });
  await aliceMarker;
  assert.equal(aliceGotExcluded, 0, 'the excluded socket on the other node got nothing');

  // Drain node A: alice reconnects through the balancer to node B as the same member.
  const firstSocket = alice.connection.socket_id;
  const rejoined = waitFor('alice back in the room', (done) =>
    aliceRoom.bind('pusher:subscription_succeeded', done),
  );
  const tickerBack = waitFor('cache-ticker again', (done) =>
    ticker.bind('pusher:subscription_succeeded', done),
  );
  nodeA.child.kill('SIGTERM');
  await rejoined;
  await tickerBack;
  assert.notEqual(alice.connection.socket_id, firstSocket);
  assert.equal(await nodeA.exited, 0, `node A exits 0 after draining:\n${nodeA.output()}`);
  assert.deepEqual(ids(aliceRoom), ['alice', 'bob']);
  await eventually('bob sees alice again', async () => assert.deepEqual(ids(bobRoom), ['alice', 'bob']));

  const list = await api.get({
    path: '/channels',
    params: { filter_by_prefix: 'presence-', info: 'user_count' },
  });
  assert.deepEqual(await list.json(), { channels: { 'presence-room': { user_count: 2 } } });

  const after = waitFor('event after drain', (done) => aliceRoom.bind('after', done));
  await api.trigger('presence-room', 'after', { ok: true });
  assert.deepEqual(await after, { ok: true });
});
