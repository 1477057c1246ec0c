/** terminate_connections (UA-10, API-14) through the pusher SDK, pusher-js and raw sockets. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { signAuth } from '../../src/protocol/signatures.js';
import { once } from '../helpers/clients.js';
import { errorOf, RawClient } from '../helpers/raw-client.js';
import { sdkFor, sdkPost } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { pusherJsFor, signedInSocket, withUnrefClientTimers } from './clients.js';

let server: TestServer;
let sdk: PusherServer;
const creds = () => ({ key: server.app.key, secret: server.app.secret });

before(async () => {
  server = await startHerald();
  sdk = sdkFor(server);
});
after(() => server.close());

const signedIn = (id: string): Promise<RawClient> => signedInSocket(server, id);

test('every signed-in socket of the user gets pusher:error 4009 then close 4009; others stay', async () => {
  const t1 = await signedIn('term');
  const t2 = await signedIn('term');
  const other = await signedIn('other');
  // Presence identity without sign-in is not a signed-in user: unaffected (UA-10).
  const presenceOnly = await RawClient.open(server.wsUrl());
  const channelData = JSON.stringify({ user_id: 'term' });
  presenceOnly.send({
    event: 'pusher:subscribe',
    data: {
      channel: 'presence-t',
      channel_data: channelData,
      auth: signAuth(server.app.key, server.app.secret, `${presenceOnly.socketId}:presence-t:${channelData}`),
    },
  });
  await presenceOnly.next('pusher_internal:subscription_succeeded');

  const res = await sdk.terminateUserConnections('term');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '{}');
  for (const c of [t1, t2]) {
    const err = await c.next('pusher:error');
    assert.equal(errorOf(err).code, 4009);
    assert.equal((await c.closed).code, 4009);
  }
  assert.deepEqual(await other.drain(), []);
  assert.deepEqual(await presenceOnly.drain(), []);
  other.close();
  presenceOnly.close();
});

test('pusher-js signed in as the user is disconnected and does not reconnect by itself', async () => {
  const client = pusherJsFor(server, sdk, { user: { id: 'js-term' } });
  try {
    const connected = once(client.connection, 'connected');
    client.signin();
    await connected;
    await client.user.signinDonePromise;
    assert.equal(client.user.user_data?.id, 'js-term');
    const gone = once<{ current: string }>(client.connection, 'state_change', {
      accept: (s) => s.current !== 'connected',
    });
    await withUnrefClientTimers(async () => {
      await sdk.terminateUserConnections('js-term');
      // 4009 is in pusher-js's "refused" range (4000-4099): it stops instead of retrying.
      assert.equal((await gone).current, 'disconnected');
    });
  } finally {
    client.disconnect();
  }
});

test('a user without connections gets {}; an invalid user id gets 400; an unknown app 404', async () => {
  const none = await sdk.terminateUserConnections('nobody');
  assert.equal(none.status, 200);
  assert.deepEqual(await none.json(), {});
  const status = (p: Promise<{ status: number }>) =>
    p.then(
      (r) => r.status,
      (e: { status: number }) => e.status,
    );
  assert.equal(await status(sdkPost(sdk, '/users/a%20b/terminate_connections', {})), 400);
  const stranger = sdkFor(server, { appId: 'no-such-app' });
  assert.equal(await status(stranger.terminateUserConnections('x')), 404);
  const get = await fetch(server.httpUrl(`/apps/${server.app.id}/users/x/terminate_connections`));
  assert.equal(get.status, 405);
});

test('after termination the user can sign in again on a new connection', async () => {
  const again = await signedIn('term');
  await sdk.sendToUser('term', 'welcome-back', {});
  await again.next('welcome-back');
  again.close();
});

test('watchers see the terminated user go offline', async () => {
  const target = await signedIn('watched-term');
  const watcher = await RawClient.open(server.wsUrl());
  await watcher.signedIn({ id: 'term-watcher', watchlist: ['watched-term'] }, creds());
  const status = await watcher.next('pusher_internal:watchlist_events');
  assert.equal(status.data, '{"events":[{"name":"online","user_ids":["watched-term"]}]}');
  await sdk.terminateUserConnections('watched-term');
  assert.equal((await target.closed).code, 4009);
  const offline = await watcher.next('pusher_internal:watchlist_events');
  assert.equal(offline.data, '{"events":[{"name":"offline","user_ids":["watched-term"]}]}');
  watcher.close();
});
