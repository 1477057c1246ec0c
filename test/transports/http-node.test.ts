/**
 * pusher-js's Node build on its HTTP transports (xhr_streaming, xhr_polling; Node's build carries the
 * `xmlhttprequest` package for them) against a real Herald: the same handshake, every channel kind,
 * client events to and from a WebSocket client, sign-in with sendToUser, and the `transport` label in
 * metrics and server events.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import {
  type ClientOptions,
  connected,
  once,
  pusherClient,
  pusherOptions,
  serverEvent,
} from '../helpers/clients.js';
import { scrape } from '../helpers/metrics.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sdk: PusherServer;
const clients: PusherJs[] = [];

before(async () => {
  server = await startHerald({
    activityTimeout: 7,
    metrics: { enabled: true, port: 0, host: '127.0.0.1' },
    apps: [
      { id: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true, userAuthentication: true },
    ],
  });
  sdk = sdkFor(server);
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

type HttpTransport = 'xhr_streaming' | 'xhr_polling';

function httpClient(transport: HttpTransport, opts: ClientOptions = {}): PusherJs {
  const p = new PusherJs(server.app.key, {
    ...pusherOptions(server, opts),
    httpHost: '127.0.0.1',
    httpPort: server.port,
    enabledTransports: [transport],
  } as never);
  clients.push(p);
  return p;
}

function wsClient(opts: ClientOptions = {}): PusherJs {
  const p = pusherClient(server, opts);
  clients.push(p);
  return p;
}

async function subscribed(p: PusherJs, name: string) {
  const ch = p.subscribe(name);
  await once(ch, 'pusher:subscription_succeeded', 5000);
  return ch;
}

for (const transport of ['xhr_streaming', 'xhr_polling'] as const) {
  test(`${transport}: the WebSocket handshake, counted under its transport`, async () => {
    const opened = serverEvent(server, 'connection_opened', (e) => e.transport === transport, 8000);
    const p = httpClient(transport);
    const socketId = await connected(p, 8000);
    await opened;
    assert.match(socketId, /^\d+\.\d+$/);
    // The handshake's activity_timeout (7 s) wins over pusher-js's default of 120 s, as on a WebSocket.
    assert.equal((p.connection as unknown as { activityTimeout: number }).activityTimeout, 7000);
    assert.equal(
      (p.connection as unknown as { connection: { transport: { name: string } } }).connection.transport.name,
      transport,
    );

    const s = await scrape(`http://127.0.0.1:${server.metricsPort}/metrics`);
    assert.ok(s.sum('herald_connections', { app_id: 'app-id', transport }) >= 1);
    assert.ok(s.sum('herald_connections_opened_total', { app_id: 'app-id', transport }) >= 1);
    // pusher-js tells the server nothing on disconnect(): the session ends when no request comes back
    // within the grace period (5 s), found by the next liveness sweep.
    const closed = serverEvent(server, 'connection_closed', (e) => e.transport === transport, 15_000);
    p.disconnect();
    await closed;
  });

  test(`${transport}: public, private and presence channels get API events`, async () => {
    const p = httpClient(transport, { user: { id: `u-${transport}`, info: { name: 'Http' } } });
    await connected(p, 8000);
    const pub = await subscribed(p, `news-${transport}`);
    const priv = await subscribed(p, `private-${transport}`);
    const presence = p.subscribe(`presence-${transport}`);
    const members = await once<{ count: number; me: { id: string } }>(
      presence,
      'pusher:subscription_succeeded',
      5000,
    );
    assert.equal(members.count, 1);
    assert.equal(members.me.id, `u-${transport}`);

    const got = Promise.all([
      once(pub, 'headline', 5000),
      once(priv, 'secret', 5000),
      once(presence, 'roll-call', 5000),
    ]);
    await sdk.trigger(`news-${transport}`, 'headline', { n: 1 });
    await sdk.trigger(`private-${transport}`, 'secret', { n: 2 });
    await sdk.trigger(`presence-${transport}`, 'roll-call', { n: 3 });
    assert.deepEqual(await got, [{ n: 1 }, { n: 2 }, { n: 3 }]);

    // A WebSocket member joining is announced to the HTTP member.
    const added = once<{ id: string }>(presence, 'pusher:member_added', 5000);
    const ws = wsClient({ user: { id: 'ws-member' } });
    await subscribed(ws, `presence-${transport}`);
    assert.equal((await added).id, 'ws-member');
    ws.disconnect();
    p.disconnect();
  });

  test(`${transport}: client events between a WebSocket client and an HTTP client`, async () => {
    const channel = `private-chat-${transport}`;
    const http = httpClient(transport);
    const ws = wsClient();
    await Promise.all([connected(http, 8000), connected(ws)]);
    const [onHttp, onWs] = await Promise.all([subscribed(http, channel), subscribed(ws, channel)]);

    const atWs = once(onWs, 'client-from-http', 5000);
    assert.ok(onHttp.trigger('client-from-http', { hello: 'ws' }));
    assert.deepEqual(await atWs, { hello: 'ws' });

    const atHttp = once(onHttp, 'client-from-ws', 5000);
    assert.ok(onWs.trigger('client-from-ws', { hello: 'http' }));
    assert.deepEqual(await atHttp, { hello: 'http' });
    http.disconnect();
    ws.disconnect();
  });

  test(`${transport}: sign-in, then sendToUser reaches the HTTP client`, async () => {
    const user = `signed-${transport}`;
    const p = httpClient(transport, { user: { id: user, info: { via: transport } } });
    await connected(p, 8000);
    const signedIn = serverEvent(server, 'signed_in', (e) => e.userId === user, 8000);
    p.signin();
    await signedIn;
    const got = new Promise<unknown>((resolve) => p.user.bind('note', resolve));
    await sdk.sendToUser(user, 'note', { to: user });
    assert.deepEqual(await got, { to: user });
    p.disconnect();
  });
}
