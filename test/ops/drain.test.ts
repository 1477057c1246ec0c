/**
 * Graceful drain: SIGTERM on a node with connected clients sends 4200, pusher-js reconnects at once and
 * lands on the second node behind the balancer, and the drained process exits 0.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startBalancer } from '../helpers/front.js';
import { type HeraldProcess, spawnHerald } from '../helpers/process.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let nodeA: HeraldProcess;
let nodeB: TestServer;
let balancer: net.Server;
let balancerPort: number;
const clients: PusherJs[] = [];

before(async () => {
  nodeA = await spawnHerald([], { HERALD_SHUTDOWN_TIMEOUT: '1' });
  nodeB = await startHerald();
  balancer = await startBalancer(nodeA.port, nodeB.port);
  balancerPort = (balancer.address() as net.AddressInfo).port;
});

after(async () => {
  for (const c of clients) c.disconnect();
  nodeA.child.kill('SIGKILL');
  balancer.close();
  await nodeB.close();
});

test('SIGTERM: clients get 4200, pusher-js reconnects to the other node and keeps its subscription', async () => {
  const client = new PusherJs('app-key', {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: balancerPort,
    forceTLS: false,
    enabledTransports: ['ws'],
  });
  clients.push(client);
  const channel = client.subscribe('news');
  await waitFor<void>('first subscription', (done) =>
    channel.bind('pusher:subscription_succeeded', () => done()),
  );
  const firstSocketId = client.connection.socket_id;

  // A raw client straight to node A sees the exact frames.
  const raw = new WebSocket(`ws://127.0.0.1:${nodeA.port}/app/app-key?protocol=7`);
  const rawFrames: string[] = [];
  raw.on('message', (d) => rawFrames.push(d.toString()));
  await waitFor<void>('raw connection', (done) => raw.once('message', () => done()));
  const rawClosed = waitFor<number>('raw close', (done) => raw.once('close', (code) => done(code)));

  const resubscribed = waitFor<void>('subscription on node B', (done) =>
    channel.bind('pusher:subscription_succeeded', () => done()),
  );
  nodeA.child.kill('SIGTERM');

  assert.equal(await rawClosed, 4200, 'raw client closed with 4200');
  const last = JSON.parse(rawFrames[rawFrames.length - 1]!);
  assert.deepEqual(last.event, 'pusher:error');
  assert.equal(last.data.code, 4200);

  await resubscribed;
  assert.notEqual(client.connection.socket_id, firstSocketId, 'a new connection was made');
  assert.equal(nodeB.herald.connectionCount, 1, 'the client now lives on node B');

  const received = waitFor<unknown>('event through node B', (done) => channel.bind('after-drain', done));
  const sdk = sdkFor(nodeB);
  await sdk.trigger('news', 'after-drain', { ok: true });
  assert.deepEqual(await received, { ok: true });
  assert.equal(await nodeA.exited, 0, `node A exits 0 after draining:\n${nodeA.output()}`);
});

test('a second signal during the drain exits at once, without waiting for the window', async () => {
  const node = await spawnHerald([], { HERALD_SHUTDOWN_TIMEOUT: '120' });
  try {
    const open = async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${node.port}/app/app-key?protocol=7`);
      await waitFor<void>('connection', (done) => ws.once('message', () => done()));
      return {
        ws,
        closed: waitFor<number>('close', (done) => ws.once('close', (code) => done(code)), 20_000),
      };
    };
    const first = await open();
    const second = await open();
    node.child.kill('SIGTERM');
    // Two clients over 120 s: one is told at once, the other would wait a minute.
    const firstCode = await Promise.race([first.closed, second.closed]);
    assert.equal(firstCode, 4200);
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 1, `second signal exits with 1:\n${node.output()}`);
    const codes = await Promise.all([first.closed, second.closed]);
    assert.deepEqual(
      codes.sort(),
      [1006, 4200],
      'the client still waiting for its turn is cut, not told to reconnect',
    );
  } finally {
    node.child.kill('SIGKILL');
  }
});
