/**
 * Structured logs: one JSON line per connection open and close at debug level, and no secrets,
 * signatures or payloads in any line unless log.debugPayloads says so.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import WebSocket from 'ws';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
const lines: Record<string, unknown>[] = [];
const sockets: WebSocket[] = [];

function within<T>(what: string, register: (done: (value: T) => void) => void, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function frame(ws: WebSocket, match: (text: string) => boolean): Promise<string> {
  return within('a frame', (done) => {
    const onMessage = (d: WebSocket.RawData) => {
      if (!match(d.toString())) return;
      ws.off('message', onMessage);
      done(d.toString());
    };
    ws.on('message', onMessage);
  });
}

async function connect(): Promise<{ ws: WebSocket; socketId: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/app-key?protocol=7`);
  sockets.push(ws);
  const first = JSON.parse(await frame(ws, () => true));
  return { ws, socketId: JSON.parse(first.data).socket_id };
}

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      cb();
    },
  });
  server = await startHerald({}, { logger: pino({ level: 'debug' }, sink) });
});

after(async () => {
  for (const ws of sockets) ws.terminate();
  await server.close();
});

test('connection open and close each log one debug line with app, socket id, close code and duration', async () => {
  const { ws, socketId } = await connect();
  const closed = within('server-side close', (done) => {
    const off = server.herald.events.on('connection_closed', (e) => {
      if (e.socketId !== socketId) return;
      off();
      done(undefined);
    });
  });
  ws.close(4321, 'bye');
  await closed;
  const mine = lines.filter((l) => l['socketId'] === socketId);
  const opened = mine.filter((l) => l['msg'] === 'connection opened');
  const gone = mine.filter((l) => l['msg'] === 'connection closed');
  assert.equal(opened.length, 1);
  assert.equal(gone.length, 1);
  assert.equal(opened[0]!['level'], 20, 'debug level');
  assert.equal(opened[0]!['app'], 'app-id');
  assert.equal(gone[0]!['level'], 20);
  assert.equal(gone[0]!['app'], 'app-id');
  assert.equal(gone[0]!['code'], 4321);
  assert.equal(typeof gone[0]!['durationMs'], 'number');
});

test('no secret, signature or payload reaches the log', async () => {
  const sdk = sdkFor(server);
  const { ws, socketId } = await connect();

  const forged = 'ab'.repeat(32);
  ws.send(
    JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'private-a', auth: `app-key:${forged}` } }),
  );
  const refusal = JSON.parse(
    await frame(ws, (t) => t.includes('subscription_error') || t.includes('pusher:error')),
  );
  assert.match(JSON.stringify(refusal), new RegExp(forged), 'the client is told what it sent');

  const { auth } = sdk.authorizeChannel(socketId, 'private-b');
  ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'private-b', auth } }));
  await frame(ws, (t) => t.includes('subscription_succeeded'));
  ws.send(
    JSON.stringify({ event: 'client-secret', channel: 'private-b', data: { v: 'CLIENT-PAYLOAD-7f3' } }),
  );
  const apiEvent = frame(ws, (t) => t.includes('API-PAYLOAD-9c1'));
  await sdk.trigger('private-b', 'server-event', { v: 'API-PAYLOAD-9c1' });
  await apiEvent;
  await assert.rejects(sdkFor(server, { secret: 'not-the-secret' }).trigger('private-b', 'x', {}));

  const errorLines = lines.filter((l) => l['msg'] === 'client error' && l['socketId'] === socketId);
  assert.ok(errorLines.length >= 1, 'the refused subscription is logged');
  const text = lines.map((l) => JSON.stringify(l)).join('\n');
  for (const secret of [
    'app-secret',
    'not-the-secret',
    forged,
    auth.split(':')[1]!,
    'CLIENT-PAYLOAD-7f3',
    'API-PAYLOAD-9c1',
  ]) {
    assert.ok(!text.includes(secret), `log lines must not contain ${secret}`);
  }
});
