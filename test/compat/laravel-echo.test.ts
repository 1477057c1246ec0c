/**
 * Laravel Echo with pusher-js as its client (broadcaster 'pusher'), pointed at Herald by host, port and
 * key only. The app's `/broadcasting/auth` is played by an `authorizer` signing with the `pusher` SDK,
 * as Laravel's PusherBroadcaster does. Events carry Laravel's class names (`App\Events\...`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Echo from 'laravel-echo';
import { firedBefore, serverEvent } from '../helpers/clients.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer;
const echos: Echo<'pusher'>[] = [];

interface User {
  id: number;
  name: string;
}

function echoFor(user?: User): Echo<'pusher'> {
  const sdk = sdkFor(server);
  const echo = new Echo({
    broadcaster: 'pusher',
    key: server.app.key,
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    Pusher: PusherJs,
    // Laravel's documented custom authorizer hook, answering like /broadcasting/auth would.
    authorizer: (channel: { name: string }) => ({
      authorize: (socketId: string, callback: (error: Error | null, data: unknown) => void) => {
        const presence = channel.name.startsWith('presence-') && user;
        callback(
          null,
          sdk.authorizeChannel(
            socketId,
            channel.name,
            presence ? { user_id: String(user.id), user_info: user } : (undefined as never),
          ),
        );
      },
    }),
  } as never) as Echo<'pusher'>;
  echos.push(echo);
  return echo;
}

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const e of echos) e.disconnect();
  await server.close();
});

describe('Laravel Echo', () => {
  test('public channel: listen() receives a broadcast named by its class (App\\Events\\OrderShipped)', async () => {
    const echo = echoFor();
    const got = waitFor<{ order: { id: number } }>('OrderShipped', (resolve) =>
      echo.channel('orders').listen('OrderShipped', resolve),
    );
    await waitFor('subscribed', (resolve) => echo.channel('orders').subscribed(() => resolve(undefined)));
    await sdkFor(server).trigger('orders', 'App\\Events\\OrderShipped', { order: { id: 5 } });
    assert.deepEqual(await got, { order: { id: 5 } });
  });

  test('a broadcastAs() name is heard with a leading dot; notifications use their class name', async () => {
    const echo = echoFor();
    const ch = echo.channel('alerts');
    const custom = waitFor('.server.alert', (resolve) => ch.listen('.server.alert', resolve));
    const note = waitFor('notification', (resolve) => ch.notification(resolve));
    await waitFor('subscribed', (resolve) => ch.subscribed(() => resolve(undefined)));
    await sdkFor(server).trigger('alerts', 'server.alert', { level: 'high' });
    await sdkFor(server).trigger(
      'alerts',
      'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated',
      {
        type: 'invoice.paid',
      },
    );
    assert.deepEqual(await custom, { level: 'high' });
    assert.deepEqual(await note, { type: 'invoice.paid' });
  });

  test('private channel: listen(), then whisper() reaches listenForWhisper() on the other side only', async () => {
    const alice = echoFor({ id: 1, name: 'Alice' });
    const bob = echoFor({ id: 2, name: 'Bob' });
    const a = alice.private('App.Models.User.1');
    const b = bob.private('App.Models.User.1');
    await Promise.all([
      waitFor('alice subscribed', (r) => a.subscribed(() => r(undefined))),
      waitFor('bob subscribed', (r) => b.subscribed(() => r(undefined))),
    ]);
    const shipped = waitFor('private OrderShipped', (resolve) => b.listen('OrderShipped', resolve));
    await sdkFor(server).trigger('private-App.Models.User.1', 'App\\Events\\OrderShipped', { id: 9 });
    assert.deepEqual(await shipped, { id: 9 });

    const whisper = waitFor('whisper', (resolve) => b.listenForWhisper('typing', resolve));
    const aliceChannel = (alice.connector as unknown as { pusher: PusherJs }).pusher.channel(
      'private-App.Models.User.1',
    );
    // An echo would leave with bob's copy, before a marker published once bob has it.
    const echoed = firedBefore(aliceChannel, 'client-typing', 'marker', async () => {
      a.whisper('typing', { name: 'Alice' });
      assert.deepEqual(await whisper, { name: 'Alice' });
      await sdkFor(server).trigger('private-App.Models.User.1', 'marker', {});
    });
    assert.equal(await echoed, false, 'the whisperer does not hear itself');
  });

  test('presence channel: here(), joining() and leaving()', async () => {
    const ada = echoFor({ id: 10, name: 'Ada' });
    const here1 = await waitFor<User[]>('here (ada)', (resolve) => ada.join('chat.1').here(resolve));
    assert.deepEqual(here1, [{ id: 10, name: 'Ada' }]);

    const joining = waitFor<User>('joining', (resolve) => ada.join('chat.1').joining(resolve));
    const grace = echoFor({ id: 11, name: 'Grace' });
    const here2 = await waitFor<User[]>('here (grace)', (resolve) => grace.join('chat.1').here(resolve));
    assert.deepEqual(
      here2.sort((x, y) => x.id - y.id),
      [
        { id: 10, name: 'Ada' },
        { id: 11, name: 'Grace' },
      ],
    );
    assert.deepEqual(await joining, { id: 11, name: 'Grace' });

    // Whisper on presence carries through too.
    const whisper = waitFor('presence whisper', (resolve) =>
      ada.join('chat.1').listenForWhisper('typing', resolve),
    );
    grace.join('chat.1').whisper('typing', { who: 11 });
    assert.deepEqual(await whisper, { who: 11 });

    const leaving = waitFor<User>('leaving', (resolve) => ada.join('chat.1').leaving(resolve));
    const gone = serverEvent(
      server,
      'member_removed',
      (e) => e.channel === 'presence-chat.1' && e.userId === '11',
    );
    grace.leave('chat.1');
    assert.deepEqual(await leaving, { id: 11, name: 'Grace' });
    await gone;
  });
});
