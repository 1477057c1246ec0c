/**
 * File-descriptor exhaustion, for real (issue 10): Herald started under `prlimit --nofile=64:160` (a soft
 * limit below the hard one, which Node raises at start; 64 alone is too few to load Herald's modules),
 * then WebSocket clients opened until the server has no descriptor left. At that point libuv accepts and at
 * once closes every new connection, and tells nobody; Herald must say so in its log and in /ready (503
 * with the figures, read over a keep-alive connection opened before), a publish on a new connection
 * must fail visibly for the publisher, and when clients leave Herald must recover: /ready 200 again, a
 * publish delivered.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { sdk } from '../helpers/cluster.js';
import { type HeraldProcess, killTree, spawnListening } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/wait.js';

const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));
const SOFT = 64;
const LIMIT = 160;

let herald: HeraldProcess;
const held: WebSocket[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let subscriber: RawClient;

before(async () => {
  herald = await spawnListening(
    'prlimit',
    [`--nofile=${SOFT}:${LIMIT}`, process.execPath, BIN, 'start', '--port', '0'],
    { HERALD_LOG_LEVEL: 'info', HERALD_SHUTDOWN_TIMEOUT: '0' },
  );
});

after(async () => {
  for (const ws of held) ws.terminate();
  subscriber?.close();
  agent.destroy();
  if (herald) await killTree(herald);
});

/** GET /ready over the one kept-alive connection (a new one could not be accepted at the limit). */
function ready(): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: herald.port, path: '/ready', agent }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('/ready did not answer')));
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket client: true once connection_established arrived, false if the server dropped it. */
function connect(): Promise<boolean> {
  const ws = new WebSocket(`ws://127.0.0.1:${herald.port}/app/app-key?protocol=7&client=js&version=8.4.0`);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(false);
    }, 10_000);
    ws.once('message', () => {
      clearTimeout(timer);
      held.push(ws);
      resolve(true);
    });
    ws.once('error', () => undefined);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

test('out of descriptors: logged, /ready 503 with the figures, a publish fails; recovered after clients leave', async () => {
  assert.match(
    herald.output(),
    new RegExp(`file descriptors: soft limit ${LIMIT}, hard limit ${LIMIT}`),
    'both limits in the banner, the soft one raised to the hard one',
  );
  assert.equal((await ready()).status, 200, 'ready before the flood');
  subscriber = await RawClient.open(herald.port);
  await subscriber.join(sdk(herald.port), 'fd-room');

  let opened = 0;
  while (await connect()) {
    opened++;
    assert.ok(opened < LIMIT, 'the server must run out below its limit');
  }
  assert.ok(opened > 0, 'some clients got in before the limit');

  await eventually('the exhaustion logged', async () =>
    assert.match(herald.output(), /out of file descriptors \(EMFILE\): new connections are refused/),
  );
  const out = await ready();
  assert.equal(out.status, 503, JSON.stringify(out.body));
  const fds = out.body['fileDescriptors'] as Record<string, unknown>;
  assert.equal(out.body['ready'], false);
  assert.equal(fds['exhausted'], true);
  assert.equal(fds['soft'], LIMIT);
  assert.equal(fds['hard'], LIMIT);

  // The publisher's request needs a new connection, which the server cannot keep: it fails, visibly.
  await assert.rejects(sdk(herald.port).trigger('fd-room', 'lost', { n: 1 }));

  // Clients leave: descriptors come back, so does readiness, and a publish reaches the subscriber.
  for (const ws of held.splice(0)) ws.close();
  await eventually('/ready 200 again', async () => assert.equal((await ready()).status, 200), 20_000);
  await eventually('the recovery logged', async () =>
    assert.match(herald.output(), /file descriptors available again/),
  );
  await sdk(herald.port).trigger('fd-room', 'back', { n: 2 });
  const got = await subscriber.next((f) => f.event === 'back' || f.event === 'lost');
  assert.equal(got.event, 'back', 'the failed publish was not delivered later');
  assert.equal(herald.child.exitCode, null, 'Herald kept running');
});
