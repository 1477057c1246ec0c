/**
 * Edge limits: node capacity (4100), per-app quota (4004), per-IP connection rate (429), API rate (429),
 * HTTP body (413), WebSocket frame size, slow consumers (4100).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { md5Hex, signApiRequest } from '../../src/protocol/signatures.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

function open(url: string): Promise<{ ws: WebSocket; first: Record<string, unknown> }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('message', (d) => resolve({ ws, first: JSON.parse(d.toString()) }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('node capacity', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald({ maxConnections: 2 });
  });
  after(() => server.close());

  test('past maxConnections a new connection gets pusher:error 4100 and close 4100; others keep working', async () => {
    const a = await open(server.wsUrl());
    const b = await open(server.wsUrl());
    const c = await open(server.wsUrl());
    assert.equal(a.first['event'], 'pusher:connection_established');
    assert.equal(b.first['event'], 'pusher:connection_established');
    assert.equal(c.first['event'], 'pusher:error');
    assert.equal((c.first['data'] as { code: number }).code, 4100);
    assert.equal(await closeCode(c.ws), 4100);
    const pong = new Promise<string>((resolve) => a.ws.once('message', (d) => resolve(d.toString())));
    a.ws.send('{"event":"pusher:ping"}');
    assert.equal(await pong, '{"event":"pusher:pong","data":{}}');
    a.ws.close();
    b.ws.close();
  });
});

// The rate limiters count in one-second windows of the node's clock: freezing the clock keeps every
// request of a test in one window, so the number refused is exact.
const frozen = (): (() => number) => {
  const t = Date.now();
  return () => t;
};

describe('per-IP connection rate', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald({ rateLimits: { connectionsPerIpPerSecond: 3 } }, { clock: frozen() });
  });
  after(() => server.close());

  test('connections past the per-second budget of one address are refused with HTTP 429 before the upgrade', async () => {
    let reported = 0;
    const off = server.herald.events.on('connection_refused', (e) => {
      if (e.code === 429) reported++;
    });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => open(server.wsUrl())));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(accepted.length, 3);
    assert.equal(refused.length, 7);
    for (const r of refused) assert.match(String((r as PromiseRejectedResult).reason), /HTTP 429/);
    off();
    assert.equal(reported, 7, 'each refusal reaches the event stream (and the refused-connections metric)');
    // The accepted ones are fully served.
    const first = (accepted[0] as PromiseFulfilledResult<{ ws: WebSocket }>).value.ws;
    const pong = new Promise<string>((resolve) => first.once('message', (d) => resolve(d.toString())));
    first.send('{"event":"pusher:ping"}');
    assert.equal(await pong, '{"event":"pusher:pong","data":{}}');
    for (const r of accepted) (r as PromiseFulfilledResult<{ ws: WebSocket }>).value.ws.close();
  });
});

describe('HTTP API rate', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald(
      {
        apps: [
          {
            id: 'app-id',
            key: 'app-key',
            secret: 'app-secret',
            limits: { maxApiRequestsPerSecond: 5 } as never,
          },
          { id: 'other', key: 'other-key', secret: 'other-secret' },
        ],
      },
      { clock: frozen() },
    );
  });
  after(() => server.close());

  test('requests past limits.maxApiRequestsPerSecond answer 429 with Retry-After; other apps are not limited', async () => {
    const sdk = sdkFor(server);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        sdk.trigger('c', 'e', {}).then(
          (r) => r.status,
          (err: { status?: number }) => err.status ?? -1,
        ),
      ),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 5, `statuses: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 429).length, 15, `statuses: ${statuses}`);
    // A signed request by hand, to see the headers of the refusal.
    const query = `auth_key=app-key&auth_timestamp=${Math.floor(Date.now() / 1000)}&auth_version=1.0`;
    const signature = createHmac('sha256', 'app-secret')
      .update(`GET\n/apps/app-id/channels\n${query}`)
      .digest('hex');
    const res = await fetch(server.httpUrl(`/apps/app-id/channels?${query}&auth_signature=${signature}`));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    const other = sdkFor(server, { appId: 'other', key: 'other-key', secret: 'other-secret' });
    assert.equal((await other.trigger('c', 'e', {})).status, 200);
  });
});

describe('per-app connection quota', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald({
      apps: [
        { id: 'app-id', key: 'app-key', secret: 'app-secret', limits: { maxConnections: 2 } as never },
        { id: 'other', key: 'other-key', secret: 'other-secret' },
      ],
    });
  });
  after(() => server.close());

  test('past limits.maxConnections a new connection gets pusher:error 4004 and close 4004; the app recovers when one leaves', async () => {
    const a = await open(server.wsUrl());
    const b = await open(server.wsUrl());
    const c = await open(server.wsUrl());
    assert.equal(a.first['event'], 'pusher:connection_established');
    assert.equal(b.first['event'], 'pusher:connection_established');
    assert.deepEqual(c.first, {
      event: 'pusher:error',
      data: { code: 4004, message: 'Application is over connection quota' },
    });
    assert.equal(await closeCode(c.ws), 4004);

    const other = await open(server.wsUrl('/app/other-key?protocol=7'));
    assert.equal(other.first['event'], 'pusher:connection_established', 'other apps are not affected');

    const gone = new Promise<void>((resolve) => {
      const off = server.herald.events.on('connection_closed', () => {
        off();
        resolve();
      });
    });
    a.ws.close();
    await gone;
    const d = await open(server.wsUrl());
    assert.equal(d.first['event'], 'pusher:connection_established', 'a freed slot is usable again');
    for (const x of [b, d, other]) x.ws.close();
  });
});

describe('HTTP body and WebSocket frame size', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald({ maxHttpBodyBytes: 2048, maxFrameBytes: 1024 });
  });
  after(() => server.close());

  test('an HTTP API body over maxHttpBodyBytes answers 413, declared or streamed (once signed); smaller bodies are served', async () => {
    const url = server.httpUrl('/apps/app-id/events');
    const big = JSON.stringify({ name: 'e', channel: 'c', data: 'x'.repeat(3000) });
    const declared = await fetch(url, {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(declared.status, 413);
    assert.match(((await declared.json()) as { error: string }).error, /over the limit of 2048 bytes/);

    // Without a declared length the size shows only while reading, and nothing is read before the
    // signature holds: the streamed body must be signed to meet the size limit.
    const params = new URLSearchParams({
      auth_key: server.app.key,
      auth_timestamp: String(Math.floor(Date.now() / 1000)),
      auth_version: '1.0',
      body_md5: md5Hex(big),
    });
    params.set('auth_signature', signApiRequest(server.app.secret, 'POST', '/apps/app-id/events', params));
    const chunks = [big.slice(0, 1500), big.slice(1500)];
    const streamed = await fetch(`${url}?${params}`, {
      method: 'POST',
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    await streamed.body?.cancel();

    const res = await sdkFor(server).trigger('c', 'e', { small: true });
    assert.equal(res.status, 200);
  });

  test('a WebSocket message over maxFrameBytes gets a non-closing pusher:error; the connection keeps working', async () => {
    const { ws } = await open(server.wsUrl());
    const error = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send(JSON.stringify({ event: 'pusher:ping', data: { pad: 'x'.repeat(2000) } }));
    const parsed = JSON.parse(await error);
    assert.equal(parsed.event, 'pusher:error');
    assert.equal(parsed.data.code, null);
    assert.match(parsed.data.message, /the limit is 1024 bytes/);
    const pong = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send('{"event":"pusher:ping"}');
    assert.equal(await pong, '{"event":"pusher:pong","data":{}}');
    ws.close();
  });

  test('a message far past the limit is cut at the socket with close 1009', async () => {
    const { ws } = await open(server.wsUrl());
    const code = closeCode(ws);
    ws.send('x'.repeat(2 * 1024 * 1024));
    assert.equal(await code, 1009);
    const again = await open(server.wsUrl());
    assert.equal(again.first['event'], 'pusher:connection_established', 'the server keeps serving');
    again.ws.close();
  });
});

describe('slow consumers', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald({ maxSocketBufferBytes: 64 * 1024 });
  });
  after(() => server.close());

  test('a client that stops reading is closed with 4100 instead of growing memory; a reading client is served', async () => {
    const slow = await open(server.wsUrl());
    const fast = await open(server.wsUrl());
    slow.ws.send('{"event":"pusher:subscribe","data":{"channel":"firehose"}}');
    fast.ws.send('{"event":"pusher:subscribe","data":{"channel":"firehose"}}');
    const ready = (ws: WebSocket) =>
      new Promise<void>((resolve) =>
        ws.on('message', (d) => {
          if (d.toString().includes('subscription_succeeded')) resolve();
        }),
      );
    await Promise.all([ready(slow.ws), ready(fast.ws)]);
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    let fastReceived = 0;
    fast.ws.on('message', (d) => {
      if (d.toString().startsWith('{"event":"big"')) fastReceived++;
    });
    const slowClosed = new Promise<boolean>((resolve) => {
      server.herald.events.on('slow_consumer', () => resolve(true));
    });
    const sdk = sdkFor(server);
    const payload = 'x'.repeat(9000);
    let sent = 0;
    let closed = false;
    slowClosed.then(() => {
      closed = true;
    });
    // Publish until the server gives up on the slow reader (bounded: 40 MB at most).
    while (!closed && sent < 4000) {
      await sdk.triggerBatch(
        Array.from({ length: 10 }, () => ({ channel: 'firehose', name: 'big', data: payload })),
      );
      sent += 10;
    }
    assert.ok(closed, `the slow consumer was not closed after ${sent} events`);
    const deadline = Date.now() + 10_000;
    while (fastReceived < sent && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.equal(fastReceived, sent, 'the reading client got every event');
    assert.ok(server.herald.connectionCount <= 2);
    fast.ws.close();
    slow.ws.terminate();
  });
});
