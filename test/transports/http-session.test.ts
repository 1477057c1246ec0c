/**
 * One HTTP transport session driven directly, over real HTTP requests to a local server, with a clock
 * the test sets: what a poll and a stream receive byte for byte, heartbeats, the bound while nobody is
 * reading, the takeover of a receive request, and the three ways a session ends (close, cut, terminate).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, test } from 'node:test';
import { messageChunk } from '../../src/transport/http-frame.js';
import { HttpSession, type HttpSessionPolicy } from '../../src/transport/http-session.js';
import { prepareFrame } from '../../src/transport/ws-frame.js';
import { waitFor } from '../helpers/wait.js';

/** Requests the server took and has not handed to a test yet, and tests waiting for one. */
const waiting: ((res: ServerResponse) => void)[] = [];
const server = createServer((_req, res) => waiting.shift()!(res));
let port = 0;
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const turn = () => new Promise<void>((r) => setImmediate(r));

class TestPolicy implements HttpSessionPolicy {
  t = 1000;
  readonly overflows: number[] = [];
  readonly ends: number[] = [];
  constructor(readonly maxBuffered = 1 << 20) {}
  now(): number {
    return this.t;
  }
  overflow(_s: HttpSession, buffered: number): void {
    this.overflows.push(buffered);
  }
  ended(_s: HttpSession, code: number): void {
    this.ends.push(code);
  }
}

interface Receive {
  res: ServerResponse;
  /** The body received so far (de-chunked by Node's client). */
  body(): string;
  /** Waits until the body satisfies `ok`. */
  until(ok: (body: string) => boolean, what: string): Promise<void>;
  /** Resolves when the response ends complete, rejects if it is cut off. */
  ended: Promise<string>;
  abort(): void;
  /** Stops reading the response (the kernel buffers fill, then the server's socket queues). */
  pause(): void;
}

/** Sends a receive request and returns it once the server holds its response. */
async function receive(): Promise<Receive> {
  const held = new Promise<ServerResponse>((r) => waiting.push(r));
  let body = '';
  let response: IncomingMessage | undefined;
  const listeners = new Set<() => void>();
  const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/' });
  const ended = new Promise<string>((resolve, reject) => {
    req.on('response', (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        for (const l of listeners) l();
      });
      res.on('end', () => resolve(body));
      res.on('aborted', () => reject(new Error('response cut off')));
    });
    req.on('error', reject);
  });
  ended.catch(() => {});
  req.end();
  const res = await held;
  return {
    res,
    body: () => body,
    until: (ok, what) =>
      waitFor<void>(what, (done) => {
        const check = () => {
          if (ok(body)) {
            listeners.delete(check);
            done();
          }
        };
        listeners.add(check);
        check();
      }),
    ended,
    abort: () => req.destroy(),
    pause: () => response?.pause(),
  };
}

const frame = (event: string) => prepareFrame(JSON.stringify({ event, data: '{}' }));
/** The `a[…]` line a frame is sent as. */
const line = (event: string) => `a${JSON.stringify([JSON.stringify({ event, data: '{}' })])}\n`;
const OPEN_BYTES = Buffer.byteLength('2\r\no\n\r\n');

test('a poll takes what is queued as bare lines and detaches; an empty poll waits for the next turn', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/a', 'xhr_polling', p);
  assert.equal(s.bufferedBytes, OPEN_BYTES, 'the open line waits for the first request');
  assert.equal(s.detachedAt, 1000, 'detached since it was made');
  assert.equal(s.lastWrite, 1000);
  const first = await receive();
  s.attach(first.res, false);
  assert.equal(await first.ended, 'o\n');
  assert.equal(s.attached, false);
  assert.equal(s.bufferedBytes, 0);

  p.t = 2000;
  s.send(frame('one'));
  s.send(frame('two'));
  await turn();
  assert.ok(s.bufferedBytes > 0);
  assert.equal(s.detachedAt, 1000);
  const second = await receive();
  s.attach(second.res, false);
  assert.equal(await second.ended, line('one') + line('two'));
  assert.equal(s.lastWrite, 2000);
  assert.equal(s.detachedAt, 2000);

  const third = await receive();
  s.attach(third.res, false);
  assert.equal(s.attached, true, 'nothing to answer yet');
  assert.equal(s.detachedAt, 0);
  p.t = 3000;
  s.send(frame('three'));
  assert.equal(await third.ended, line('three'));
  assert.equal(s.lastWrite, 3000);
  assert.deepEqual(p.ends, []);
});

test('a stream gets each turn in chunks and heartbeats; close sends what is queued and the close line', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/b', 'xhr_streaming', p);
  s.ping();
  assert.equal(s.bufferedBytes, OPEN_BYTES, 'no heartbeat queued for nobody');
  const r = await receive();
  s.attach(r.res, true);
  await r.until((b) => b === 'o\n', 'the open line');
  s.send(frame('one'));
  s.ping();
  await r.until((b) => b === `o\n${line('one')}h\n`, 'a frame and a heartbeat');
  assert.equal(r.res.writableEnded, false, 'the stream stays open');
  s.send(frame('two'));
  s.close(4009, 'bye');
  assert.deepEqual(p.ends, [], 'ended is told on a later turn');
  assert.equal(await r.ended, `o\n${line('one')}h\n${line('two')}c[4009,"bye"]\n`);
  assert.equal(s.closed, true);
  await turn();
  assert.deepEqual(p.ends, [4009]);
  s.send(frame('late'));
  s.close(4000, 'again');
  s.terminate();
  await turn();
  assert.deepEqual(p.ends, [4009], 'told once');
  assert.equal(s.bufferedBytes, 0);
});

test('an HTTP/1.0 stream (no chunked encoding) gets bare lines until the connection closes', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/c', 'xhr_streaming', p);
  const held = new Promise<ServerResponse>((r) => waiting.push(r));
  const socket = connect(port, '127.0.0.1');
  let raw = '';
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    raw += d;
  });
  socket.write('POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n');
  s.attach(await held, true);
  s.send(frame('one'));
  await turn();
  s.close(4001, 'x');
  await closed;
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  assert.equal(body, `o\n${line('one')}c[4001,"x"]\n`);
  assert.doesNotMatch(raw, /transfer-encoding/i);
});

test('a second receive request takes over; the first is ended and no longer detaches the session', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/d', 'xhr_streaming', p);
  const first = await receive();
  s.attach(first.res, true);
  await first.until((b) => b === 'o\n', 'the open line');
  const second = await receive();
  s.attach(second.res, true);
  assert.equal(await first.ended, 'o\n');
  s.send(frame('one'));
  await second.until((b) => b === line('one'), 'the frame on the new stream');
  assert.equal(s.attached, true);
  assert.equal(s.detachedAt, 0);
});

test('the client going away detaches the session at that time; frames then wait in the queue', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/e', 'xhr_streaming', p);
  const r = await receive();
  s.attach(r.res, true);
  await r.until((b) => b === 'o\n', 'the open line');
  p.t = 5000;
  const gone = waitFor<void>('the response to close', (done) => r.res.once('close', () => done()));
  r.abort();
  await gone;
  assert.equal(s.attached, false);
  assert.equal(s.detachedAt, 5000);
  s.send(frame('one'));
  await turn();
  assert.equal(s.bufferedBytes, Buffer.byteLength(line('one')) + 6, 'one chunk queued');
  assert.deepEqual(p.overflows, []);
});

test('while nobody reads, the queue is held to the bound, with room for one larger frame', async () => {
  const p = new TestPolicy(200);
  const s = new HttpSession('key/1/f', 'xhr_polling', p);
  const big = prepareFrame(JSON.stringify({ event: 'big', data: 'x'.repeat(480) }));
  s.send(big);
  await turn();
  assert.deepEqual(p.overflows, [], 'one frame over the bound is allowed');
  // The allowance is the largest frame of the turn, not the last one.
  const other = new HttpSession('key/1/f2', 'xhr_polling', new TestPolicy(200));
  const otherPolicy = other.policy as TestPolicy;
  other.send(big);
  other.send(frame('s'));
  await turn();
  assert.deepEqual(otherPolicy.overflows, [], 'a small frame after the large one in the same turn');
  const small = frame('s');
  const size = s.bufferedBytes;
  let sent = 0;
  while (p.overflows.length === 0 && sent < 100) {
    s.send(small);
    await turn();
    sent++;
  }
  const grown = s.bufferedBytes - size;
  assert.deepEqual(p.overflows, [s.bufferedBytes]);
  // Cut by the first small frame past bound + allowance (the big frame's chunk).
  const allowance = size - OPEN_BYTES;
  assert.ok(s.bufferedBytes > 200 + allowance, `${s.bufferedBytes} bytes`);
  assert.ok(s.bufferedBytes - grown / sent <= 200 + allowance, 'not a frame later');
});

test('a stream whose reader stopped is reported once its socket holds more than the bound', async () => {
  const p = new TestPolicy(64 * 1024);
  const s = new HttpSession('key/1/k', 'xhr_streaming', p);
  const r = await receive();
  s.attach(r.res, true);
  await r.until((b) => b === 'o\n', 'the open line');
  r.pause();
  const big = prepareFrame(JSON.stringify({ event: 'big', data: 'x'.repeat(8000) }));
  let sent = 0;
  // Bounded: loopback's kernel buffers take a few MB before the server's socket queues anything.
  while (p.overflows.length === 0 && sent < 5000) {
    s.send(big);
    await turn();
    sent++;
  }
  assert.equal(p.overflows.length, 1, `no overflow after ${sent} frames`);
  const [reported] = p.overflows as [number];
  assert.ok(reported > p.maxBuffered, `${reported} bytes`);
  const chunk = messageChunk(big).length;
  assert.ok(
    reported <= p.maxBuffered + chunk,
    `${reported} bytes: more than one ${chunk}-byte chunk past the bound`,
  );
  assert.equal(s.bufferedBytes, r.res.socket!.writableLength, 'what is buffered is the socket queue');
  r.abort();
});

test('a cut drops the queue, cuts the response off and leaves only the close line for a later poll', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/g', 'xhr_streaming', p);
  const r = await receive();
  s.attach(r.res, true);
  await r.until((b) => b === 'o\n', 'the open line');
  s.send(frame('one'));
  s.cut(4100, 'slow');
  await assert.rejects(r.ended);
  assert.equal(s.bufferedBytes, 0);
  assert.equal(s.takeFarewell()?.toString(), 'c[4100,"slow"]\n');
  assert.equal(s.takeFarewell(), null);
  await turn();
  assert.deepEqual(p.ends, [4100]);
});

test('closed with nobody reading: frames and the close line wait for the next request', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/h', 'xhr_polling', p);
  p.t = 7000;
  s.send(frame('one'));
  s.close(4200, 'done');
  assert.equal(s.closedAt, 7000);
  // A cut after the close keeps the close's code, its farewell and its end.
  p.t = 8000;
  s.cut(4100, 'slow');
  assert.equal(s.closedAt, 7000);
  assert.equal(s.takeFarewell()?.toString(), `o\n${line('one')}c[4200,"done"]\n`);
  await turn();
  assert.deepEqual(p.ends, [4200]);
});

test('terminate destroys the open response, or the one the close went to, and ends the session once', async () => {
  const p = new TestPolicy();
  const s = new HttpSession('key/1/i', 'xhr_streaming', p);
  const r = await receive();
  s.attach(r.res, true);
  await r.until((b) => b === 'o\n', 'the open line');
  p.t = 8000;
  s.terminate();
  await assert.rejects(r.ended);
  assert.equal(s.closed, true);
  assert.equal(s.closedAt, 8000);
  await turn();
  assert.deepEqual(p.ends, [1006]);

  const q = new TestPolicy();
  const t = new HttpSession('key/1/j', 'xhr_polling', q);
  const poll = await receive();
  t.attach(poll.res, false);
  await poll.ended;
  const next = await receive();
  t.attach(next.res, false);
  t.close(4000, 'bye');
  assert.equal(next.res.destroyed, false);
  t.terminate();
  assert.equal(next.res.destroyed, true, 'a reader slow to take the close is dropped');
  await turn();
  assert.deepEqual(q.ends, [4000]);
});
