/**
 * Laravel Echo (pusher-js connector) over a connection the test cuts with a TCP proxy: rewind reaches
 * `listen` callbacks like live events, and a signed-in user's missed events arrive after the reconnect,
 * once and in order; `.herald:resume_failed` is listenable as a plain event name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Echo from 'laravel-echo';
import type PusherServer from 'pusher';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

let server: TestServer;
let sdk: PusherServer;
let proxy: TcpProxy;
const echos: Echo<'pusher'>[] = [];

before(async () => {
  server = await startHerald({
    apps: [
      {
        id: 'app-id',
        key: 'app-key',
        secret: 'app-secret',
        history: [
          { channels: 'orders-small', size: 5, ttlSeconds: 600, resumeSeconds: 60 } as never,
          { channels: 'orders*', size: 200, ttlSeconds: 600, rewind: 2, resumeSeconds: 60 } as never,
        ],
      },
    ],
  });
  sdk = sdkFor(server);
  proxy = await TcpProxy.start(server.port);
});

after(async () => {
  for (const e of echos) e.disconnect();
  await proxy.close();
  await server.close();
});

type Callback = (error: Error | null, data: unknown) => void;

/** Echo as a Laravel front end configures it, through the proxy, its user signed in by the app. */
function echoFor(userId: string): Echo<'pusher'> {
  const echo = new Echo({
    broadcaster: 'pusher',
    key: server.app.key,
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: proxy.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    Pusher: PusherJs,
    userAuthentication: {
      customHandler: ({ socketId }: { socketId: string }, cb: Callback) =>
        // As the app's /broadcasting/user-auth would answer, a round trip later.
        setTimeout(() => cb(null, sdk.authenticateUser(socketId, { id: userId })), 50),
    },
  } as never) as Echo<'pusher'>;
  echos.push(echo);
  return echo;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const publish = (channel: string, n: number) => sdk.trigger(channel, 'App\\Events\\OrderShipped', { n });

describe('Laravel Echo', () => {
  test('rewind, then a 3 s cut: the missed events after the reconnect, once and in order, then live', async () => {
    const channel = 'orders';
    for (const n of range(1, 3)) await publish(channel, n);
    const echo = echoFor('grace');
    const pusher = echo.connector.pusher as unknown as InstanceType<typeof PusherJs>;
    pusher.signin();
    const got: number[] = [];
    echo.channel(channel).listen('OrderShipped', (e: { n: number }) => got.push(e.n));
    // rewind: 2
    await until('the rewound events', () => got.length === 2);
    await publish(channel, 4);
    await until('a live event', () => got.length === 3);
    assert.deepEqual(got, [2, 3, 4]);
    await pusher.user.signinDonePromise;

    proxy.cut();
    await until('the server to see the drop', () => server.herald.connectionCount === 0, 10_000);
    for (const n of range(5, 54)) await publish(channel, n);
    // A real drop: pusher-js notices at once (reset) and retries against a proxy that refuses.
    await new Promise((r) => setTimeout(r, 3000));
    proxy.restore();
    await until('the missed events', () => got.length >= 53, 40_000);
    await publish(channel, 55);
    await until('the live event', () => got.length >= 54);
    assert.deepEqual(got, range(2, 55));
  });

  test('more missed events than kept: .herald:resume_failed reaches an Echo listener, then live events', async () => {
    const channel = 'orders-small';
    const echo = echoFor('heidi');
    const pusher = echo.connector.pusher as unknown as InstanceType<typeof PusherJs>;
    pusher.signin();
    const seen: unknown[] = [];
    const ch = echo.channel(channel);
    ch.listen('.herald:resume_failed', (e: unknown) => seen.push(e));
    ch.listen('OrderShipped', (e: { n: number }) => seen.push(e.n));
    await new Promise<void>((resolve) => ch.subscribed(() => resolve()));
    await pusher.user.signinDonePromise;
    await publish(channel, 1);
    await until('a live event', () => seen.length === 1);
    proxy.cut();
    await until('the server to see the drop', () => server.herald.connectionCount === 0, 10_000);
    for (const n of range(2, 11)) await publish(channel, n);
    proxy.restore();
    await until('herald:resume_failed', () => seen.length === 2, 40_000);
    await publish(channel, 12);
    await until('the live event', () => seen.length === 3);
    assert.deepEqual(seen, [1, { reason: 'size', since: 1, serial: 11 }, 12]);
  });
});
