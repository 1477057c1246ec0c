/** Edge limits: node capacity (4100), per-IP connection rate (429), API rate (429), slow consumers (4100). */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import PusherServer from 'pusher';
import WebSocket from 'ws';
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

function sdkFor(server: TestServer): PusherServer {
  return new PusherServer({
    appId: server.app.id,
    key: server.app.key,
    secret: server.app.secret,
    host: '127.0.0.1',
    port: String(server.port),
    useTLS: false,
  });
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

describe('per-IP connection rate', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald({ rateLimits: { connectionsPerIpPerSecond: 3 } });
  });
  after(() => server.close());

  test('connections past the per-second budget of one address are refused with HTTP 429 before the upgrade', async () => {
    // Ten at once span at most two one-second windows, so at most six are accepted.
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => open(server.wsUrl())));
    const refused = results.filter((r) => r.status === 'rejected');
    assert.ok(refused.length >= 4, `expected at least 4 refusals, got ${refused.length}`);
    for (const r of refused) assert.match(String((r as PromiseRejectedResult).reason), /HTTP 429/);
    for (const r of results) if (r.status === 'fulfilled') r.value.ws.close();
  });
});

describe('HTTP API rate', () => {
  let server: TestServer;
  before(async () => {
    server = await startHerald({
      apps: [
        {
          id: 'app-id',
          key: 'app-key',
          secret: 'app-secret',
          limits: { maxApiRequestsPerSecond: 5 } as never,
        },
      ],
    });
  });
  after(() => server.close());

  test('requests past limits.maxApiRequestsPerSecond answer 429', async () => {
    const sdk = sdkFor(server);
    const statuses = await Promise.all(
      // Twenty at once span at most two one-second windows, so at most ten are accepted.
      Array.from({ length: 20 }, () =>
        sdk.trigger('c', 'e', {}).then(
          (r) => r.status,
          (err: { status?: number }) => err.status ?? -1,
        ),
      ),
    );
    assert.ok(statuses.filter((s) => s === 200).length <= 10, `statuses: ${statuses}`);
    assert.ok(statuses.filter((s) => s === 429).length >= 10, `statuses: ${statuses}`);
    assert.ok(
      statuses.every((s) => s === 200 || s === 429),
      `statuses: ${statuses}`,
    );
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
