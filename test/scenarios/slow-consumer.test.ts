/**
 * A presence member whose tab stops reading (a frozen browser tab on a busy channel) while pusher-js
 * members keep receiving: the stuck socket is cut with the back-off code 4100 (as recorded in metrics
 * and the close event, even though the close frame cannot reach a client that does not read), its
 * member leaves, and everyone else gets every event.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import { pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from './inbox.js';

let server: TestServer;
let watcher: PusherJs;

before(async () => {
  server = await startHerald({
    maxSocketBufferBytes: 64 * 1024,
    metrics: { enabled: true, host: '127.0.0.1', port: 0 },
  });
});
after(async () => {
  watcher?.disconnect();
  await server.close();
});

test('a frozen presence member is cut with 4100 and leaves; the live member gets every event', async () => {
  const room = 'presence-firehose';
  watcher = pusherClient(server, { user: { id: 'live' } });
  const inbox = new Inbox();
  record(watcher, room, inbox, [
    'pusher:subscription_succeeded',
    'pusher:member_added',
    'pusher:member_removed',
  ]);
  let got = 0;
  watcher.subscribe(room).bind('big', () => got++);
  await inbox.event(room, 'pusher:subscription_succeeded');

  const frozen = await RawClient.open(server);
  const data = JSON.stringify({ user_id: 'frozen' });
  const auth = signAuth('app-key', 'app-secret', channelStringToSign(frozen.socketId, room, data));
  assert.equal(
    (await frozen.subscribe(room, { auth, channel_data: data })).event,
    'pusher_internal:subscription_succeeded',
  );
  await inbox.event(room, 'pusher:member_added');

  (frozen.ws as unknown as { _socket: Socket })._socket.pause();
  const closed = new Promise<number>((resolve) => {
    const off = server.herald.events.on('connection_closed', (e) => {
      if (e.socketId === frozen.socketId) {
        off();
        resolve(e.code);
      }
    });
  });
  let done = false;
  closed.then(() => {
    done = true;
  });
  const sdk = sdkFor(server);
  const payload = 'x'.repeat(9000);
  let sent = 0;
  // Bounded: the node gives up on the frozen socket long before 40 MB.
  while (!done && sent < 4000) {
    await sdk.triggerBatch(Array.from({ length: 10 }, () => ({ channel: room, name: 'big', data: payload })));
    sent += 10;
  }
  assert.equal(await closed, 4100);
  const left = await inbox.event(room, 'pusher:member_removed', 10_000);
  assert.equal((left.data as { id: string }).id, 'frozen');

  const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
  assert.match(metrics, /herald_connections_closed_total\{[^}]*code="4100"[^}]*\} 1/);

  // The live member got all of it: a barrier published last arrives after every big event.
  const barrier = new Inbox();
  record(watcher, room, barrier, ['barrier']);
  await sdk.trigger(room, 'barrier', {});
  await barrier.event(room, 'barrier');
  assert.equal(got, sent);
  const users = (await (await sdk.get({ path: `/channels/${room}/users` })).json()) as unknown;
  assert.deepEqual(users, { users: [{ id: 'live' }] });
});
