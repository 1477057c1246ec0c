/**
 * The HTTP transports against clients that misbehave: unknown sessions, wrong methods, oversized and
 * malformed posts, a stream that stops reading, a session that stops polling, too many sessions from one
 * address. Each gets the status or close code pusher-js expects, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import {
  framesOf,
  type PusherFrame,
  poll,
  Stream,
  sendMessages,
  sessionId,
  sessionUrl,
} from '../helpers/http-session.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
const streams: Stream[] = [];

before(async () => {
  server = await startHerald({
    // A detached session is closed after min(5 s, activityTimeout): 2 s here.
    activityTimeout: 2,
    pongTimeout: 60,
    maxSocketBufferBytes: 64 * 1024,
    httpTransports: { heartbeatInterval: 1 },
  });
});

after(async () => {
  for (const s of streams) s.close();
  await server.close();
});

async function openStream(): Promise<Stream> {
  const s = await Stream.open(server.port);
  streams.push(s);
  await s.socketId();
  return s;
}

function closedEvent(socketId: string, timeoutMs = 10_000): Promise<{ code: number; transport: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${socketId} not closed within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = server.herald.events.on('connection_closed', (e) => {
      if (e.socketId !== socketId) return;
      clearTimeout(timer);
      off();
      resolve({ code: e.code, transport: e.transport });
    });
  });
}

const subscribe = (channel: string) => ({ event: 'pusher:subscribe', data: { channel } });

test('unknown sessions, kinds and methods get 404/405 with CORS, and a preflight gets 204', async () => {
  const send = await fetch(sessionUrl(server.port, sessionId(), 'xhr_send'), { method: 'POST', body: '[]' });
  assert.equal(send.status, 404);
  assert.deepEqual(await send.json(), { error: 'Session not found' });
  assert.equal(send.headers.get('access-control-allow-origin'), '*');

  const kind = await fetch(sessionUrl(server.port, sessionId(), 'jsonp'), { method: 'POST' });
  assert.equal(kind.status, 404);
  await kind.arrayBuffer();
  const odd = await fetch(`http://127.0.0.1:${server.port}/pusher/app/app-key/1/a.b/xhr`, { method: 'POST' });
  assert.equal(odd.status, 404);
  await odd.arrayBuffer();

  const get = await fetch(sessionUrl(server.port, sessionId(), 'xhr_streaming'));
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'OPTIONS, POST');
  await get.arrayBuffer();

  const preflight = await fetch(sessionUrl(server.port, sessionId(), 'xhr_send'), {
    method: 'OPTIONS',
    headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'Content-Type');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);

  // An unknown app key is refused as on a WebSocket: the error, then close code 4001 pusher-js acts on.
  const refused = await fetch(sessionUrl(server.port, sessionId(), 'xhr', 'no-such-key'), { method: 'POST' });
  const lines = (await refused.text()).split('\n').filter(Boolean);
  assert.equal(lines[0], 'o');
  assert.equal(framesOf(lines)[0]!.event, 'pusher:error');
  assert.match(lines[2]!, /^c\[4001,"App key no-such-key does not exist/);

  assert.equal((await fetch(server.httpUrl('/health'))).status, 200);
});

test('oversized posts get 413, malformed ones 400, and the session keeps working', async () => {
  const s = await openStream();
  const big = JSON.stringify(['x'.repeat(1024 * 1024 + 10)]);
  const tooBig = await fetch(sessionUrl(server.port, s.id, 'xhr_send'), { method: 'POST', body: big });
  assert.equal(tooBig.status, 413);
  await tooBig.arrayBuffer();
  for (const body of ['{"event":"pusher:ping"}', '[[["deep"]]]', '[1,2]', 'not json']) {
    const res = await fetch(sessionUrl(server.port, s.id, 'xhr_send'), { method: 'POST', body });
    assert.equal(res.status, 400, body);
    await res.arrayBuffer();
  }
  // A message over maxFrameBytes inside a good post gets the WebSocket's non-closing pusher:error.
  assert.equal(await sendMessages(server.port, s.id, [{ event: 'client-x', data: 'y'.repeat(40_000) }]), 204);
  const error = await s.frame('pusher:error');
  assert.match(JSON.stringify(error.data), /Message too large/);

  assert.equal(await sendMessages(server.port, s.id, [subscribe('after-abuse')]), 204);
  await s.frame('pusher_internal:subscription_succeeded');
  s.close();
});

test('a stream that stops reading is closed with 4100, as a slow WebSocket is', async () => {
  const s = await openStream();
  const socketId = await s.socketId();
  await sendMessages(server.port, s.id, [subscribe('firehose')]);
  await s.frame('pusher_internal:subscription_succeeded');
  const slow = new Promise<number>((resolve) => {
    const off = server.herald.events.on('slow_consumer', (e) => {
      if (e.socketId === socketId) {
        off();
        resolve(e.bufferedBytes);
      }
    });
  });
  const closed = closedEvent(socketId);
  s.freeze();
  let done = false;
  closed.then(() => {
    done = true;
  });
  const sdk = sdkFor(server);
  const payload = 'x'.repeat(9000);
  // Bounded: the node gives up on the frozen stream long before 40 MB.
  for (let sent = 0; !done && sent < 4000; sent += 10) {
    await sdk.triggerBatch(
      Array.from({ length: 10 }, () => ({ channel: 'firehose', name: 'big', data: payload })),
    );
  }
  assert.deepEqual(await closed, { code: 4100, transport: 'xhr_streaming' });
  assert.ok((await slow) > 64 * 1024);
  // Everyone else is still served.
  const next = await openStream();
  assert.equal(await sendMessages(server.port, next.id, [subscribe('firehose')]), 204);
  await next.frame('pusher_internal:subscription_succeeded');
  next.close();
});

test('frames piling up between two polls are bounded: 4100, and the next poll reads the close', async () => {
  const id = sessionId();
  const first = await poll(server.port, id);
  assert.equal(first.lines[0], 'o');
  const established = framesOf(first.lines)[0]!;
  assert.equal(established.event, 'pusher:connection_established');
  const socketId = (JSON.parse(established.data as string) as { socket_id: string }).socket_id;
  assert.equal(await sendMessages(server.port, id, [subscribe('pile')]), 204);
  const ack = await poll(server.port, id);
  assert.equal(framesOf(ack.lines)[0]!.event, 'pusher_internal:subscription_succeeded');

  const closed = closedEvent(socketId);
  // Nobody polls now: 10 × 9 KB is past the 64 KB bound.
  await sdkFor(server).triggerBatch(
    Array.from({ length: 10 }, () => ({ channel: 'pile', name: 'big', data: 'x'.repeat(9000) })),
  );
  assert.deepEqual(await closed, { code: 4100, transport: 'xhr_polling' });
  const last = await poll(server.port, id);
  assert.deepEqual(last.lines, ['c[4100,"Connection too slow to keep up, reconnect with back-off"]']);
  assert.equal(await sendMessages(server.port, id, []), 404);
});

test('a session that stops polling is closed (4201), and a late poll learns why', async () => {
  const id = sessionId();
  const first = await poll(server.port, id);
  const socketId = (JSON.parse(framesOf(first.lines)[0]!.data as string) as { socket_id: string }).socket_id;
  assert.deepEqual(await closedEvent(socketId), { code: 4201, transport: 'xhr_polling' });
  const late = await poll(server.port, id);
  const frames: PusherFrame[] = framesOf(late.lines);
  assert.equal(frames[0]!.event, 'pusher:error');
  assert.match(late.lines.at(-1)!, /^c\[4201,"No request for this HTTP session"\]$/);
});

test('sessions per IP are capped when httpTransports.maxSessionsPerIp is set', async () => {
  // activityTimeout 2: a dropped session is closed after 2 s (the grace is min(5 s, activityTimeout)).
  const capped = await startHerald({
    activityTimeout: 2,
    pongTimeout: 60,
    httpTransports: { maxSessionsPerIp: 3 },
  });
  try {
    const open: Stream[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await Stream.open(capped.port);
      await s.socketId();
      open.push(s);
    }
    const refused = await fetch(sessionUrl(capped.port, sessionId(), 'xhr_streaming'), { method: 'POST' });
    assert.equal(refused.status, 429);
    assert.match(((await refused.json()) as { error: string }).error, /Over 3 HTTP sessions/);
    // WebSockets are not HTTP sessions: the cap does not touch them.
    const ws = new WebSocket(capped.wsUrl());
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    assert.match(hello, /pusher:connection_established/);
    ws.close();
    // A session that ends frees its place.
    const socketId = await open[0]!.socketId();
    const gone = new Promise<void>((resolve) => {
      const off = capped.herald.events.on('connection_closed', (e) => {
        if (e.socketId === socketId) {
          off();
          resolve();
        }
      });
    });
    await sendMessages(capped.port, open[0]!.id, []);
    open[0]!.close();
    await gone;
    const again = await Stream.open(capped.port);
    await again.socketId();
    for (const s of [...open, again]) s.close();
  } finally {
    await capped.close();
  }
});

test('an HTTP/1.0 hop (nginx without proxy_http_version 1.1) gets the stream as bare lines', async () => {
  const id = sessionId();
  const sock = connect(server.port, '127.0.0.1');
  let text = '';
  sock.setEncoding('latin1');
  sock.on('data', (d: string) => {
    text += d;
  });
  sock.write(`POST /pusher/app/app-key/${id}/xhr_streaming?protocol=7 HTTP/1.0\r\nContent-Length: 0\r\n\r\n`);
  const deadline = Date.now() + 5000;
  while (!text.includes('subscription_succeeded') && Date.now() < deadline) {
    if (text.includes('connection_established') && !text.includes('"sent"')) {
      text += '"sent"';
      assert.equal(await sendMessages(server.port, id, [subscribe('http10')]), 204);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const [head, body] = text.split('\r\n\r\n') as [string, string];
  assert.match(head, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(head, /Transfer-Encoding/i);
  const lines = body.replace('"sent"', '').split('\n').filter(Boolean);
  assert.equal(lines[0], 'o');
  assert.deepEqual(
    framesOf(lines).map((f) => f.event),
    ['pusher:connection_established', 'pusher_internal:subscription_succeeded'],
  );
  sock.destroy();
});

test('a draining node tells its HTTP sessions 4200 (reconnect now), as it tells WebSockets', async () => {
  const node = await startHerald({ shutdownTimeout: 0 });
  const s = await Stream.open(node.port);
  await s.socketId();
  const closing = node.close();
  await s.until('the close line', () => s.lines.some((l) => l.startsWith('c[')));
  assert.match(s.lines.find((l) => l.startsWith('c['))!, /^c\[4200,"Server shutting down/);
  await closing;
});
