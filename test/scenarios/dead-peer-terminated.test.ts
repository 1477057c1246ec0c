/**
 * A stuck tab (it reads nothing, so it never answers the close frame) whose user the app terminates: the
 * node cuts the socket at the next liveness sweeps instead of waiting out the WebSocket close handshake
 * (30 s in ws), so the user leaves presence and the close is recorded as 4009. The activity timeout here
 * is long enough that the 4201 path cannot be what removes it within the wait.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { channelStringToSign, signAuth, userStringToSign } from '../../src/protocol/signatures.js';
import { pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from './inbox.js';

let server: TestServer;
let live: PusherJs;

before(async () => {
  // Sweeps every 2.5 s; a silent peer would only meet 4201 after 10 + 30 s.
  server = await startHerald({ activityTimeout: 10, pongTimeout: 30 });
});
after(async () => {
  live?.disconnect();
  await server.close();
});

test('a terminated user whose socket is stuck leaves presence at once, recorded as 4009', async () => {
  const room = 'presence-stuck';
  live = pusherClient(server, { user: { id: 'watcher' } });
  const inbox = new Inbox();
  record(live, room, inbox, [
    'pusher:subscription_succeeded',
    'pusher:member_added',
    'pusher:member_removed',
  ]);
  await inbox.event(room, 'pusher:subscription_succeeded');

  const stuck = await RawClient.open(server);
  const userData = JSON.stringify({ id: 'stuck' });
  stuck.send(
    JSON.stringify({
      event: 'pusher:signin',
      data: {
        auth: signAuth('app-key', 'app-secret', userStringToSign(stuck.socketId, userData)),
        user_data: userData,
      },
    }),
  );
  await stuck.next((f) => f.event === 'pusher:signin_success');
  const channelData = JSON.stringify({ user_id: 'stuck' });
  const auth = signAuth('app-key', 'app-secret', channelStringToSign(stuck.socketId, room, channelData));
  assert.equal(
    (await stuck.subscribe(room, { auth, channel_data: channelData })).event,
    'pusher_internal:subscription_succeeded',
  );
  await inbox.event(room, 'pusher:member_added');

  const closed = new Promise<number>((resolve) => {
    const off = server.herald.events.on('connection_closed', (e) => {
      if (e.socketId === stuck.socketId) {
        off();
        resolve(e.code);
      }
    });
  });
  (stuck.ws as unknown as { _socket: Socket })._socket.pause();
  await sdkFor(server).terminateUserConnections('stuck');

  // Well under ws's 30 s close timeout and the 40 s 4201 path: only the sweep's cut can meet it.
  const left = await inbox.event(room, 'pusher:member_removed', 12_000);
  assert.equal((left.data as { id: string }).id, 'stuck');
  assert.equal(await closed, 4009);
  const users = (await (await sdkFor(server).get({ path: `/channels/${room}/users` })).json()) as unknown;
  assert.deepEqual(users, { users: [{ id: 'watcher' }] });
  stuck.ws.terminate();
});
