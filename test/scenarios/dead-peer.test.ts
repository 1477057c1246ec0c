/**
 * A tab whose network vanished (it reads and answers nothing) in a presence room: after the ping frame
 * goes unanswered for the pong timeout the node says 4201 and drops it at once instead of waiting out
 * the WebSocket close handshake a dead peer never completes, so the room, the API and the close event
 * (4201, not 1006) reflect it while the live pusher-js member stays connected.
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
import { Inbox, record, stateLog } from './inbox.js';

let server: TestServer;
let live: PusherJs;

before(async () => {
  server = await startHerald({ activityTimeout: 1, pongTimeout: 1 });
});
after(async () => {
  live?.disconnect();
  await server.close();
});

test('a dead presence member is dropped with 4201 and leaves the room; the live one stays', async () => {
  const room = 'presence-dead';
  live = pusherClient(server, { user: { id: 'live' } });
  const log = stateLog(live);
  const inbox = new Inbox();
  record(live, room, inbox, [
    'pusher:subscription_succeeded',
    'pusher:member_added',
    'pusher:member_removed',
  ]);
  await inbox.event(room, 'pusher:subscription_succeeded');

  const dead = await RawClient.open(server);
  const data = JSON.stringify({ user_id: 'dead' });
  const auth = signAuth('app-key', 'app-secret', channelStringToSign(dead.socketId, room, data));
  assert.equal(
    (await dead.subscribe(room, { auth, channel_data: data })).event,
    'pusher_internal:subscription_succeeded',
  );
  await inbox.event(room, 'pusher:member_added');

  const closed = new Promise<number>((resolve) => {
    const off = server.herald.events.on('connection_closed', (e) => {
      if (e.socketId === dead.socketId) {
        off();
        resolve(e.code);
      }
    });
  });
  // The network is gone: nothing is read, so neither the ping frame nor the close frame is answered.
  (dead.ws as unknown as { _socket: Socket })._socket.pause();

  const left = await inbox.event(room, 'pusher:member_removed', 10_000);
  assert.equal((left.data as { id: string }).id, 'dead');
  assert.equal(await closed, 4201);
  const users = (await (await sdkFor(server).get({ path: `/channels/${room}/users` })).json()) as unknown;
  assert.deepEqual(users, { users: [{ id: 'live' }] });
  assert.equal(live.connection.state, 'connected');
  // (pusher-js may report its first `connected` after the subscription already succeeded.)
  assert.deepEqual(
    log.filter((st) => st !== 'connected'),
    [],
    'the live member never left connected',
  );
  dead.ws.terminate();
});
