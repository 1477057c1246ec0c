/**
 * Slow consumers pinned to the configured bound: a reader that stops is cut once the bytes queued for
 * it pass `maxSocketBufferBytes`, by at most the one frame that crossed it; a reader that resumes sees
 * close code 4100 after every frame queued before the cut; one that never reads again is gone from the
 * server within a few liveness sweeps.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const BOUND = 256 * 1024;
let server: TestServer;

before(async () => {
  // A short pong timeout makes the liveness sweep run every second (it reaps peers that ignore a close).
  server = await startHerald({ maxSocketBufferBytes: BOUND, pongTimeout: 4 });
});
after(() => server.close());

interface Reader {
  ws: WebSocket;
  socketId: string;
  /** `i` of every `big` event received, in order. */
  got: number[];
  closed: Promise<{ code: number; reason: string }>;
}

async function subscribedReader(channel: string): Promise<Reader> {
  const ws = new WebSocket(server.wsUrl());
  const got: number[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const socketId = await new Promise<string>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { event: string; data: string };
      if (f.event === 'pusher:connection_established') {
        ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel } }));
        resolve((JSON.parse(f.data) as { socket_id: string }).socket_id);
      }
      if (f.event === 'big') got.push((JSON.parse(f.data) as { i: number }).i);
    });
  });
  await new Promise<void>((resolve) =>
    ws.on('message', (d) => {
      if (d.toString().includes('pusher_internal:subscription_succeeded')) resolve();
    }),
  );
  return { ws, socketId, got, closed };
}

function pause(ws: WebSocket): Socket {
  const raw = (ws as unknown as { _socket: Socket })._socket;
  raw.pause();
  return raw;
}

/**
 * Publishes one event per request (each lands in its own event-loop turn, so each write is one frame)
 * until the server cuts `socketId`; returns the cut's buffered bytes and the frame size.
 */
async function publishUntilCut(channel: string, socketId: string) {
  const sdk = sdkFor(server);
  const payload = 'x'.repeat(8000);
  let cut: number | null = null;
  const off = server.herald.events.on('slow_consumer', (e) => {
    if (e.socketId === socketId) cut = e.bufferedBytes;
  });
  let sent = 0;
  // Bounded: kernel buffers on loopback hold a few MB before Node starts queueing.
  while (cut === null && sent < 3000) {
    await sdk.trigger(channel, 'big', { i: sent, payload });
    sent++;
  }
  off();
  assert.ok(cut !== null, `not cut after ${sent} events`);
  const frame = Buffer.byteLength(
    JSON.stringify({ event: 'big', channel, data: JSON.stringify({ i: sent - 1, payload }) }),
  );
  return { buffered: cut as number, frame, sent };
}

test('cut once the queue passes the bound, within one frame of it; the reader then sees every earlier frame and close 4100', async () => {
  const reader = await subscribedReader('firehose-a');
  const raw = pause(reader.ws);
  const { buffered, frame, sent } = await publishUntilCut('firehose-a', reader.socketId);
  assert.ok(buffered > BOUND, `cut at ${buffered} bytes, not past the bound ${BOUND}`);
  // A WebSocket header adds at most 14 bytes to the JSON.
  assert.ok(
    buffered <= BOUND + frame + 14,
    `cut at ${buffered} bytes: more than one ${frame}-byte frame past ${BOUND}`,
  );

  raw.resume();
  const { code, reason } = await reader.closed;
  assert.equal(code, 4100);
  assert.match(reason, /slow|consum|buffer/i);
  // What was queued before the cut arrives complete and in order, with no gap.
  assert.ok(reader.got.length > 0 && reader.got.length <= sent);
  assert.deepEqual(
    reader.got,
    reader.got.map((_, i) => i),
  );
});

test('a cut reader that never reads again is dropped by the server, and others are served meanwhile', async () => {
  const reader = await subscribedReader('firehose-b');
  pause(reader.ws);
  const before = server.herald.connectionCount;
  const gone = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the cut socket was never closed on the server')),
      20_000,
    );
    const off = server.herald.events.on('connection_closed', (e) => {
      if (e.socketId !== reader.socketId) return;
      clearTimeout(timer);
      off();
      resolve(e.code);
    });
  });
  await publishUntilCut('firehose-b', reader.socketId);
  assert.equal(await gone, 4100);
  assert.equal(server.herald.connectionCount, before - 1);

  const other = await subscribedReader('firehose-b');
  await sdkFor(server).trigger('firehose-b', 'big', { i: 0, payload: 'after' });
  const deadline = Date.now() + 5000;
  while (other.got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(other.got, [0]);
  other.ws.close();
  reader.ws.terminate();
});
