/**
 * Non-default WebSocket options: a path prefix in front of `/app/{key}` (WS-01) — pusher-js's `wsPath`
 * connects through it and the bare path is refused with 4005 — and `strictProtocol` (WS-03), which
 * refuses a missing `protocol` with 4008.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connected, once, pusherClient, pusherOptions } from '../helpers/clients.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;

before(async () => {
  server = await startHerald({ pathPrefix: '/realtime', strictProtocol: true });
});
after(() => server.close());

test('pusher-js with wsPath connects through the prefix and receives events', async () => {
  const p = new PusherJs(server.app.key, { ...pusherOptions(server), wsPath: '/realtime' } as never);
  try {
    await connected(p);
    const ch = p.subscribe('prefixed');
    await once(ch, 'pusher:subscription_succeeded');
    const got = once(ch, 'e');
    await sdkFor(server, { path: '/realtime' }).trigger('prefixed', 'e', { ok: true });
    assert.deepEqual(await got, { ok: true });
  } finally {
    p.disconnect();
  }
});

test('without the prefix the WebSocket path is not found (4005)', async () => {
  const { client, first } = await RawClient.connect(`ws://127.0.0.1:${server.port}/app/app-key?protocol=7`);
  assert.equal((first.data as { code: number }).code, 4005);
  assert.equal((await client.closed).code, 4005);
  const ok = await RawClient.open(server, '/realtime/app/app-key?protocol=7');
  await ok.assertServed();
  ok.close();
  // A pusher-js client without wsPath is refused and does not reconnect (4005 is a stop code).
  const bare = pusherClient(server);
  const failed = once<{ error: { data: { code: number } } }>(bare.connection as never, 'error');
  const stopped = once<{ current: string }>(bare.connection as never, 'state_change');
  assert.equal((await failed).error.data.code, 4005);
  assert.equal((await stopped).current, 'disconnected');
  bare.disconnect();
});

test('strictProtocol: no protocol parameter → pusher:error 4008 then close 4008; protocol 5 still accepted', async () => {
  const { client, first } = await RawClient.connect(
    `ws://127.0.0.1:${server.port}/realtime/app/app-key?client=x`,
  );
  assert.deepEqual(first.data, { code: 4008, message: 'No protocol version supplied' });
  assert.equal((await client.closed).code, 4008);
  const java = await RawClient.open(
    server,
    '/realtime/app/app-key?client=java-client&protocol=5&version=2.4.0',
  );
  await java.assertServed();
  java.close();
});
