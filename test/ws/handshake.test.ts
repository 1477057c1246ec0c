/**
 * The WebSocket handshake with a raw `ws` client (WS-01..WS-11, T-13): accepted protocols, the exact
 * connection_established frame, and every refusal as pusher:error (object data) then a close with the
 * same code, while the server keeps serving others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { once, pusherOptions, serverEvent } from '../helpers/clients.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { type Frame, RawClient } from '../helpers/raw-client.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';

let server: TestServer;
let base: string;

before(async () => {
  server = await startHerald({
    apps: [
      { ...TEST_APP, clientEvents: true },
      { id: 'off-id', key: 'off-key', secret: 'off-secret', enabled: false },
      { id: 'small-id', key: 'small-key', secret: 'small-secret', limits: { maxConnections: 1 } as never },
    ],
  });
  base = `ws://127.0.0.1:${server.port}`;
});
after(() => server.close());

const ESTABLISHED =
  /^\{"event":"pusher:connection_established","data":"\{\\"socket_id\\":\\"(\d+\.\d+)\\",\\"activity_timeout\\":120\}"\}$/;

/** Expects error-then-close with `code` and returns the error frame. */
async function refused(path: string, code: number): Promise<Frame> {
  const { client, first } = await RawClient.connect(`${base}${path}`);
  assert.equal(first.event, 'pusher:error', first.raw);
  const data = first.data as { code: unknown; message: unknown };
  assert.equal(typeof data, 'object', 'pusher:error data is an object, not a string');
  assert.equal(data.code, code);
  assert.equal(typeof data.message, 'string');
  assert.ok((data.message as string).length > 0);
  const closed = await client.closed;
  assert.equal(closed.code, code);
  return first;
}

async function accepted(path: string): Promise<RawClient> {
  const { client, first } = await RawClient.connect(`${base}${path}`);
  assert.match(first.raw, ESTABLISHED);
  return client;
}

describe('accepted handshakes', () => {
  test('pusher-js query: connection_established first, data a JSON string with socket_id and activity_timeout 120', async () => {
    const { client, first } = await RawClient.connect(
      `${base}/app/app-key?protocol=7&client=js&version=8.4.0&flash=false`,
    );
    assert.equal(first.event, 'pusher:connection_established');
    assert.equal(typeof first.data, 'string');
    const data = JSON.parse(first.data as string) as { socket_id: string; activity_timeout: number };
    assert.deepEqual(Object.keys(data).sort(), ['activity_timeout', 'socket_id']);
    assert.match(data.socket_id, /^\d+\.\d+$/);
    assert.equal(data.activity_timeout, 120);
    assert.match(first.raw, ESTABLISHED);
    await client.assertServed();
    client.close();
  });

  test('protocols 4, 5, 6 and 7 are accepted, including the Java client query (T-13)', async () => {
    for (const p of [4, 5, 6, 7]) {
      const c = await accepted(`/app/app-key?protocol=${p}&client=js&version=8.4.0`);
      c.close();
    }
    const java = await accepted('/app/app-key?client=java-client&protocol=5&version=2.4.0');
    // The Java client pings without data.
    java.send('{"event": "pusher:ping"}');
    assert.equal((await java.nextEvent('pusher:pong')).raw, '{"event":"pusher:pong","data":{}}');
    java.close();
  });

  test('a missing protocol is accepted as 7; unknown query parameters are ignored', async () => {
    const a = await accepted('/app/app-key');
    const b = await accepted('/app/app-key?protocol=7&client=swift&version=10.1.0&foo=bar&flash=false');
    a.close();
    b.close();
  });

  test('socket ids are unique among live connections', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.open(server)));
    assert.equal(new Set(clients.map((c) => c.socketId)).size, 20);
    for (const c of clients) c.close();
  });
});

describe('refusals: pusher:error then close with the same code', () => {
  test('protocol outside 4..7 → 4007', async () => {
    for (const p of ['1', '3', '8', '70']) await refused(`/app/app-key?protocol=${p}`, 4007);
  });

  test('protocol not an integer → 4006', async () => {
    for (const p of ['abc', '7.0', '-7', '7a']) await refused(`/app/app-key?protocol=${p}`, 4006);
  });

  test('unknown app key → 4001', async () => {
    const err = await refused('/app/unknown?protocol=7&client=js&version=8.4.0', 4001);
    assert.match((err.data as { message: string }).message, /unknown/);
  });

  test('the app id is not a key → 4001', async () => {
    await refused('/app/app-id?protocol=7', 4001);
  });

  test('disabled app → 4003', async () => {
    await refused('/app/off-key?protocol=7', 4003);
  });

  test('app over its connection quota → 4004; the slot frees when the connection closes', async () => {
    const first = await accepted('/app/small-key?protocol=7');
    await refused('/app/small-key?protocol=7', 4004);
    // Another app is unaffected.
    const other = await accepted('/app/app-key?protocol=7');
    await other.assertServed();
    other.close();
    await first.assertServed();
    const gone = serverEvent(server, 'connection_closed', (e) => e.socketId === first.socketId);
    first.close();
    await gone;
    const again = await accepted('/app/small-key?protocol=7');
    again.close();
  });

  test('a WebSocket on an unknown path → 4005', async () => {
    await refused('/socket?protocol=7', 4005);
    await refused('/app/app-key/extra?protocol=7', 4005);
  });

  test('refusals do not disturb live connections', async () => {
    const live = await RawClient.open(server);
    await refused('/app/nope?protocol=7', 4001);
    await refused('/app/app-key?protocol=9', 4007);
    await live.assertServed();
    live.close();
  });
});

describe('refusals as pusher-js sees them', { concurrency: true }, () => {
  for (const [key, code] of [
    ['unknown-key', 4001],
    ['off-key', 4003],
  ] as const) {
    test(`key ${key}: pusher-js reports ${code} and does not reconnect`, async () => {
      const p = new PusherJs(key, pusherOptions(server) as never);
      try {
        const err = await once<{ error: { type: string; data: { code: number } } }>(
          p.connection as never,
          'error',
        );
        assert.equal(err.error.type, 'PusherError');
        assert.equal(err.error.data.code, code);
        if (p.connection.state !== 'disconnected') await once(p.connection as never, 'disconnected');
        // pusher-js treats 4000-4099 as "refused": it disconnects and arms no retry. Checked on its state
        // rather than by waiting out a retry that would come after a back-off.
        const manager = p.connection as unknown as { state: string; retryTimer: unknown; runner: unknown };
        assert.equal(manager.state, 'disconnected');
        assert.equal(manager.retryTimer ?? null, null, 'no reconnect attempt armed');
        assert.equal(manager.runner ?? null, null, 'no connection attempt running');
      } finally {
        p.disconnect();
      }
    });
  }
});

describe('plain HTTP on the WebSocket path', () => {
  test('GET /app/{key} without Upgrade does not crash the server', async () => {
    const res = await fetch(server.httpUrl('/app/app-key?protocol=7'));
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
    const live = await RawClient.open(server);
    await live.assertServed();
    live.close();
  });
});
