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

function waitFor<T>(register: (resolve: (v: T) => void) => void, what: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
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
    const got = waitFor<{ order: { id: number } }>(
      (resolve) => echo.channel('orders').listen('OrderShipped', resolve),
      'OrderShipped',
    );
    await waitFor((resolve) => echo.channel('orders').subscribed(() => resolve(undefined)), 'subscribed');
    await sdkFor(server).trigger('orders', 'App\\Events\\OrderShipped', { order: { id: 5 } });
    assert.deepEqual(await got, { order: { id: 5 } });
  });

  test('a broadcastAs() name is heard with a leading dot; notifications use their class name', async () => {
    const echo = echoFor();
    const ch = echo.channel('alerts');
    const custom = waitFor((resolve) => ch.listen('.server.alert', resolve), '.server.alert');
    const note = waitFor((resolve) => ch.notification(resolve), 'notification');
    await waitFor((resolve) => ch.subscribed(() => resolve(undefined)), 'subscribed');
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
      waitFor((r) => a.subscribed(() => r(undefined)), 'alice subscribed'),
      waitFor((r) => b.subscribed(() => r(undefined)), 'bob subscribed'),
    ]);
    const shipped = waitFor((resolve) => b.listen('OrderShipped', resolve), 'private OrderShipped');
    await sdkFor(server).trigger('private-App.Models.User.1', 'App\\Events\\OrderShipped', { id: 9 });
    assert.deepEqual(await shipped, { id: 9 });

    const whisper = waitFor((resolve) => b.listenForWhisper('typing', resolve), 'whisper');
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
    const here1 = await waitFor<User[]>((resolve) => ada.join('chat.1').here(resolve), 'here (ada)');
    assert.deepEqual(here1, [{ id: 10, name: 'Ada' }]);

    const joining = waitFor<User>((resolve) => ada.join('chat.1').joining(resolve), 'joining');
    const grace = echoFor({ id: 11, name: 'Grace' });
    const here2 = await waitFor<User[]>((resolve) => grace.join('chat.1').here(resolve), 'here (grace)');
    assert.deepEqual(
      here2.sort((x, y) => x.id - y.id),
      [
        { id: 10, name: 'Ada' },
        { id: 11, name: 'Grace' },
      ],
    );
    assert.deepEqual(await joining, { id: 11, name: 'Grace' });

    // Whisper on presence carries through too.
    const whisper = waitFor(
      (resolve) => ada.join('chat.1').listenForWhisper('typing', resolve),
      'presence whisper',
    );
    grace.join('chat.1').whisper('typing', { who: 11 });
    assert.deepEqual(await whisper, { who: 11 });

    const leaving = waitFor<User>((resolve) => ada.join('chat.1').leaving(resolve), 'leaving');
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
