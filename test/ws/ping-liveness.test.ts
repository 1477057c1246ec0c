/**
 * Ping/pong and server liveness (WS-12..WS-15) with a tiny activityTimeout and pongTimeout (1 s each):
 * silent clients get a WebSocket ping *frame*, any inbound frame counts as activity, and a client that
 * answers nothing is closed with 4201.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { connected, pusherClient } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;

before(async () => {
  server = await startHerald({ activityTimeout: 1, pongTimeout: 1 });
});
after(() => server.close());

/** A raw client whose ws library does not answer ping frames by itself. */
async function openMute(): Promise<RawClient> {
  const ws = new WebSocket(server.wsUrl(), { autoPong: false });
  const client = new RawClient(ws);
  const first = await client.next();
  assert.equal(first.event, 'pusher:connection_established');
  return client;
}

function nextPing(ws: WebSocket, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ping frame from the server')), timeoutMs);
    ws.once('ping', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('pusher:ping / pusher:pong (WS-12)', () => {
  test('the handshake announces the configured activity_timeout', async () => {
    const { client, first } = await RawClient.connect(server.wsUrl());
    assert.equal((JSON.parse(first.data as string) as { activity_timeout: number }).activity_timeout, 1);
    client.close();
  });

  test('pusher:ping with no data, {} and "{}" each get {"event":"pusher:pong","data":{}}', async () => {
    const c = await RawClient.open(server);
    for (const frame of [
      '{"event": "pusher:ping"}',
      '{"event":"pusher:ping","data":{}}',
      '{"event":"pusher:ping","data":"{}"}',
    ]) {
      c.send(frame);
      const pong = await c.nextEvent('pusher:pong');
      assert.equal(pong.raw, '{"event":"pusher:pong","data":{}}');
    }
    c.close();
  });

  test('pusher:pong is accepted at any time with any data and needs no answer', async () => {
    const c = await RawClient.open(server);
    c.send('{"event":"pusher:pong"}');
    c.send('{"event":"pusher:pong","data":{"anything":[1,2]}}');
    c.send('{"event":"pusher:pong","data":"whatever"}');
    await c.assertServed();
    assert.equal(c.frames.length, 0, `unexpected frames: ${c.frames.map((f) => f.raw).join(' ')}`);
    c.close();
  });
});

// Independent connections, each waiting on the server's clock: run them side by side.
describe('WebSocket control frames (WS-13, WS-14)', { concurrency: true }, () => {
  test('a client ping frame is answered with a pong frame carrying the same payload', async () => {
    const c = await RawClient.open(server);
    const pong = new Promise<string>((resolve) => c.ws.once('pong', (d) => resolve(d.toString())));
    c.ws.ping('hello');
    assert.equal(await pong, 'hello');
    c.close();
  });

  test('a silent client gets a ping frame (not a JSON pusher:ping) and stays open while it answers', async () => {
    const c = await RawClient.open(server);
    await nextPing(c.ws);
    await nextPing(c.ws);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.ok(!c.frames.some((f) => f.event === 'pusher:ping'), 'no JSON pings sent');
    await c.assertServed();
    c.close();
  });

  test('a client that answers nothing gets pusher:error 4201 and close 4201', async () => {
    const c = await openMute();
    await nextPing(c.ws);
    const err = await c.nextEvent('pusher:error', undefined, 5000);
    assert.deepEqual(err.data, { code: 4201, message: 'Pong reply not received' });
    assert.equal((await c.closed).code, 4201);
  });

  test('any inbound text frame after a ping counts as activity', async () => {
    const c = await openMute();
    // Answer each ping frame with a JSON message instead of a pong frame.
    c.ws.on('ping', () => c.send('{"event":"pusher:pong","data":{}}'));
    await nextPing(c.ws);
    await nextPing(c.ws);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    await c.assertServed();
    c.close();
  });

  test('a client ping frame after a server ping counts as activity', async () => {
    const c = await openMute();
    c.ws.on('ping', () => c.ws.ping());
    await nextPing(c.ws);
    await nextPing(c.ws);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    await c.assertServed();
    c.close();
  });

  test('a client that stops answering is closed while others stay served', async () => {
    const healthy = await RawClient.open(server);
    const mute = await openMute();
    assert.equal((await mute.closed).code, 4201);
    await healthy.assertServed();
    healthy.close();
  });
});

describe('pusher-js keep-alive (WS-15)', () => {
  test('pusher-js adopts the 1 s activity_timeout, pings with pusher:ping, gets pusher:pong and stays connected', {
    timeout: 10_000,
  }, async () => {
    const p = pusherClient(server);
    try {
      const socketId = await connected(p);
      const pongs: string[] = [];
      const twoPongs = new Promise<void>((resolve) => {
        p.connection.bind('message', (m: { event: string }) => {
          if (m.event === 'pusher:pong' && pongs.push(m.event) === 2) resolve();
        });
      });
      await twoPongs;
      assert.equal(p.connection.state, 'connected');
      assert.equal(p.connection.socket_id, socketId, 'same connection throughout');
    } finally {
      p.disconnect();
    }
  });
});
