/**
 * The WebSocket `ClientSocket` driven directly over a real `ws` pair: one write per socket and turn,
 * the close (pending frames first, nothing after it, once), ping and terminate, and the compressed
 * socket's own path through ws.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { chainStats } from '../../src/transport/frame-chain.js';
import { prepareFrame } from '../../src/transport/ws-frame.js';
import { type SocketPolicy, WsClientSocket } from '../../src/transport/ws-socket.js';
import { waitFor } from '../helpers/wait.js';

const servers: WebSocketServer[] = [];
let plainPort = 0;
let deflatePort = 0;

async function listen(perMessageDeflate: boolean): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return (wss.address() as AddressInfo).port;
}

before(async () => {
  plainPort = await listen(false);
  deflatePort = await listen(true);
});
after(() => {
  for (const wss of servers) {
    for (const c of wss.clients) c.terminate();
    wss.close();
  }
});

const turn = () => new Promise<void>((r) => setImmediate(r));

interface Pair {
  socket: WsClientSocket;
  server: WebSocket;
  raw: Socket;
  client: WebSocket;
  got: string[];
  closed: Promise<{ code: number; reason: string }>;
  overflows: number[];
}

async function pair(port: number, maxBuffered = 1 << 20): Promise<Pair> {
  const wss = servers.find((s) => (s.address() as AddressInfo).port === port)!;
  const accepted = waitFor<WebSocket>('the server side', (done) => wss.once('connection', done));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const got: string[] = [];
  client.on('message', (d) => got.push(d.toString()));
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    client.once('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  await waitFor<void>('the client to open', (done) => client.once('open', () => done()));
  const server = await accepted;
  const overflows: number[] = [];
  const policy: SocketPolicy = { maxBuffered, overflow: (_ws, buffered) => overflows.push(buffered) };
  const socket = new WsClientSocket(server, policy);
  const raw = (server as unknown as { _socket: Socket })._socket;
  return { socket, server, raw, client, got, closed, overflows };
}

const frame = (i: number) => prepareFrame(JSON.stringify({ event: 'e', data: String(i) }));

async function received(p: Pair, n: number): Promise<void> {
  await waitFor<void>(`${n} messages`, (done) => {
    const check = () => {
      if (p.got.length >= n) done();
    };
    p.client.on('message', check);
    check();
  });
}

test('frames sent in one turn leave in one write, in order; each turn gets its own', async () => {
  const p = await pair(plainPort);
  assert.equal(p.socket.transport, 'ws');
  const writes = chainStats.writes;
  for (let i = 0; i < 3; i++) p.socket.send(frame(i));
  assert.equal(chainStats.writes, writes, 'nothing written before the turn ends');
  await turn();
  assert.equal(chainStats.writes, writes + 1);
  p.socket.send(frame(3));
  await turn();
  assert.equal(chainStats.writes, writes + 2);
  await received(p, 4);
  assert.deepEqual(
    p.got,
    [0, 1, 2, 3].map((i) => frame(i).text),
  );
  assert.equal(p.socket.bufferedBytes, p.raw.writableLength);
  p.client.close();
});

test('close sends what is pending first, then the close frame, then nothing more, once', async () => {
  const p = await pair(plainPort);
  p.socket.send(frame(1));
  p.socket.close(4009, 'bye');
  const written = p.raw.bytesWritten;
  p.socket.send(frame(2));
  p.socket.close(4000, 'again');
  await turn();
  assert.equal(p.raw.bytesWritten, written, 'nothing after the close frame');
  assert.deepEqual(await p.closed, { code: 4009, reason: 'bye' });
  assert.deepEqual(p.got, [frame(1).text]);
  // A socket already gone takes frames, pings and closes without a throw, and writes nothing.
  await waitFor<void>('the server side to close', (done) =>
    p.server.readyState === WebSocket.CLOSED ? done() : p.server.once('close', () => done()),
  );
  p.socket.send(frame(3));
  p.socket.ping();
  p.socket.close(4000, 'late');
  await turn();
  assert.equal(p.raw.bytesWritten, written);
});

test('close with nothing pending sends just the close frame', async () => {
  const p = await pair(plainPort);
  const writes = chainStats.writes;
  p.socket.close(4001, 'empty');
  assert.deepEqual(await p.closed, { code: 4001, reason: 'empty' });
  assert.equal(chainStats.writes, writes);
  assert.deepEqual(p.got, []);
});

test('ping sends a ping frame; terminate drops the connection without a close frame', async () => {
  const p = await pair(plainPort);
  const pinged = waitFor<void>('a ping', (done) => p.client.once('ping', () => done()));
  p.socket.ping();
  await pinged;
  p.socket.terminate();
  assert.equal((await p.closed).code, 1006);
});

test('a socket that negotiated compression is sent through ws, compressed, and bounded the same', async () => {
  const p = await pair(deflatePort, 16_000);
  assert.match(p.client.extensions, /permessage-deflate/);
  const writes = chainStats.writes;
  const written = p.raw.bytesWritten;
  const text = JSON.stringify({ event: 'e', data: 'abc'.repeat(2000) });
  p.socket.send(prepareFrame(text));
  p.socket.send(prepareFrame(text));
  await received(p, 2);
  assert.deepEqual(p.got, [text, text]);
  assert.equal(chainStats.writes, writes, 'no pre-built frame written');
  assert.ok(p.raw.bytesWritten - written < text.length / 10, `${p.raw.bytesWritten - written} bytes written`);
  assert.deepEqual(p.overflows, []);
  // What waits for compression counts: one frame over the bound is allowed, a second one on top is not.
  const big = prepareFrame(JSON.stringify({ event: 'e', data: randomBytes(12_000).toString('base64') }));
  p.socket.send(big);
  assert.deepEqual(p.overflows, []);
  p.socket.send(big);
  assert.equal(p.overflows.length, 1);
  assert.ok(p.overflows[0]! >= 2 * big.text.length, `${p.overflows[0]} bytes`);
  // Once closing, frames are dropped here rather than handed to ws (which would count them as buffered).
  p.socket.close(4000, 'bye');
  for (let i = 0; i < 4; i++) p.socket.send(big);
  assert.equal(p.overflows.length, 1);
  assert.equal((await p.closed).code, 4000);
});
