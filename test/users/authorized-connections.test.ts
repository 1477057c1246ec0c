/**
 * Authorized connections (UA-11): with the switch on, a connection that neither signs in nor joins a
 * private/presence channel within the timeout gets pusher:error 4009 and close 4009.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { signAuth } from '../../src/protocol/signatures.js';
import { once } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { pusherJsFor, withUnrefClientTimers } from './clients.js';

// A 2 s deadline leaves room for sign-in on a loaded machine; the sweep runs every 500 ms for it.
const FREE_APP = { id: 'free', key: 'free-key', secret: 'free-secret' };

let server: TestServer;
let sdk: PusherServer;
const creds = () => ({ key: server.app.key, secret: server.app.secret });

before(async () => {
  server = await startHerald({
    apps: [{ ...TEST_APP, authorizedConnections: true, authorizedConnectionsTimeout: 2 }, { ...FREE_APP }],
  });
  sdk = sdkFor(server);
});
after(() => server.close());

function subscribe(raw: RawClient, channel: string, channelData?: string) {
  const toSign =
    channelData === undefined ? `${raw.socketId}:${channel}` : `${raw.socketId}:${channel}:${channelData}`;
  const data: Record<string, string> = { channel };
  if (!channel.startsWith('public')) data['auth'] = signAuth(server.app.key, server.app.secret, toSign);
  if (channelData !== undefined) data['channel_data'] = channelData;
  raw.send({ event: 'pusher:subscribe', data });
}

test('signed-in, private and presence connections stay; idle, public-only and failed sign-ins are closed with 4009', async () => {
  // Everything that must survive opens first: when the idle socket (opened last) is closed, the
  // others are past their deadline too, so a missed authorization would already have closed them.
  const signed = await RawClient.open(server.wsUrl());
  await signed.signedIn({ id: 'ok-user' }, creds());
  const priv = await RawClient.open(server.wsUrl());
  subscribe(priv, 'private-ac');
  await priv.next('pusher_internal:subscription_succeeded');
  const pres = await RawClient.open(server.wsUrl());
  subscribe(pres, 'presence-ac', JSON.stringify({ user_id: 'p' }));
  await pres.next('pusher_internal:subscription_succeeded');
  const js = pusherJsFor(server, sdk, { user: { id: 'js-ok' } });
  const jsConnected = once(js.connection, 'connected');
  js.signin();
  await jsConnected;
  await js.user.signinDonePromise;
  const otherApp = await RawClient.open(server.wsUrl(`/app/${FREE_APP.key}?protocol=7`));

  const publicOnly = await RawClient.open(server.wsUrl());
  subscribe(publicOnly, 'public-ac');
  await publicOnly.next('pusher_internal:subscription_succeeded');
  const forged = await RawClient.open(server.wsUrl());
  forged.signin({ id: 'x' }, { ...creds(), auth: `${server.app.key}:${'0'.repeat(64)}` });
  await forged.next('pusher:error');
  const idle = await RawClient.open(server.wsUrl());

  for (const c of [idle, publicOnly, forged]) {
    const err = await c.next('pusher:error');
    assert.equal(
      err.raw,
      '{"event":"pusher:error","data":{"code":4009,"message":"Connection not authorized within timeout"}}',
    );
    assert.equal((await c.closed).code, 4009);
  }
  for (const c of [signed, priv, pres, otherApp]) assert.deepEqual(await c.drain(), []);
  assert.equal(js.connection.state, 'connected');
  const got = once(js.user, 'still-here');
  await sdk.sendToUser('js-ok', 'still-here', {});
  await got;
  js.disconnect();
  for (const c of [signed, priv, pres, otherApp]) c.close();
});

test('pusher-js that never signs in is closed with 4009 and stops', async () => {
  const js = pusherJsFor(server, sdk);
  try {
    await once(js.connection, 'connected');
    await withUnrefClientTimers(async () => {
      const gone = await once<{ current: string }>(js.connection, 'state_change', {
        accept: (s) => s.current !== 'connected',
      });
      assert.equal(gone.current, 'disconnected');
    });
  } finally {
    js.disconnect();
  }
});
