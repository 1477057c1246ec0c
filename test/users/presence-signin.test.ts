/** Presence identity from sign-in (CH-08, UA-12): presence without channel_data joins as the signed-in user. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { signAuth } from '../../src/protocol/signatures.js';
import { once } from '../helpers/clients.js';
import { errorOf, RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { pusherJsFor } from './clients.js';

let server: TestServer;
let sdk: PusherServer;
const creds = () => ({ key: server.app.key, secret: server.app.secret });

before(async () => {
  server = await startHerald();
  sdk = sdkFor(server);
});
after(() => server.close());

function presenceSubscribe(raw: RawClient, channel: string, channelData?: string) {
  const toSign =
    channelData === undefined ? `${raw.socketId}:${channel}` : `${raw.socketId}:${channel}:${channelData}`;
  const data: Record<string, string> = { channel, auth: signAuth(server.app.key, server.app.secret, toSign) };
  if (channelData !== undefined) data['channel_data'] = channelData;
  raw.send({ event: 'pusher:subscribe', data });
}

async function users(channel: string): Promise<string[]> {
  const res = await sdk.get({ path: `/channels/${channel}/users` });
  return ((await res.json()) as { users: { id: string }[] }).users.map((u) => u.id);
}

test('pusher-js 7.4+: auth without channel_data after sign-in joins as the signed-in user', async () => {
  const observer = await RawClient.open(server.wsUrl());
  presenceSubscribe(observer, 'presence-js', JSON.stringify({ user_id: 'observer' }));
  await observer.next('pusher_internal:subscription_succeeded');

  const client = pusherJsFor(server, sdk, {
    user: { id: 'p-ada', user_info: { name: 'Ada' } },
    presenceData: null,
  });
  try {
    const connected = once(client.connection, 'connected');
    client.signin();
    await connected;
    const channel = client.subscribe('presence-js') as ReturnType<typeof client.subscribe> & {
      members: { me: { id: string; info: unknown }; count: number; get(id: string): unknown };
    };
    await once(channel, 'pusher:subscription_succeeded');
    assert.deepEqual(channel.members.me, { id: 'p-ada', info: { name: 'Ada' } });
    assert.equal(channel.members.count, 2);
    const added = await observer.next('pusher_internal:member_added');
    assert.equal(
      added.raw,
      '{"event":"pusher_internal:member_added","channel":"presence-js","data":"{\\"user_id\\":\\"p-ada\\",\\"user_info\\":{\\"name\\":\\"Ada\\"}}"}',
    );
    assert.deepEqual((await users('presence-js')).sort(), ['observer', 'p-ada']);
  } finally {
    client.disconnect();
  }
  await observer.next('pusher_internal:member_removed');
  observer.close();
});

test('raw: signed in, auth over socket_id:channel only, no channel_data → member from user_data', async () => {
  const raw = await RawClient.open(server.wsUrl());
  await raw.signedIn({ id: 'p-raw', user_info: { role: 'admin' } }, creds());
  presenceSubscribe(raw, 'presence-raw');
  const ok = await raw.next('pusher_internal:subscription_succeeded');
  assert.equal(
    ok.raw,
    '{"event":"pusher_internal:subscription_succeeded","channel":"presence-raw","data":"{\\"presence\\":{\\"ids\\":[\\"p-raw\\"],\\"hash\\":{\\"p-raw\\":{\\"role\\":\\"admin\\"}},\\"count\\":1}}"}',
  );
  raw.close();
});

test('raw: not signed in and no channel_data is a non-closing error and joins nothing', async () => {
  const raw = await RawClient.open(server.wsUrl());
  presenceSubscribe(raw, 'presence-anon');
  const err = await raw.next('pusher:error');
  assert.equal(errorOf(err).code, null);
  assert.match(errorOf(err).message, /channel_data|signed-in/);
  assert.deepEqual(await users('presence-anon'), []);
  // Still usable: the same channel with channel_data works.
  presenceSubscribe(raw, 'presence-anon', JSON.stringify({ user_id: 'anon' }));
  await raw.next('pusher_internal:subscription_succeeded');
  raw.close();
});

test('raw: signed in, an auth that covers channel_data it did not send is refused', async () => {
  const raw = await RawClient.open(server.wsUrl());
  await raw.signedIn({ id: 'p-forger' }, creds());
  const channelData = JSON.stringify({ user_id: 'boss' });
  raw.send({
    event: 'pusher:subscribe',
    data: {
      channel: 'presence-forge',
      auth: signAuth(server.app.key, server.app.secret, `${raw.socketId}:presence-forge:${channelData}`),
    },
  });
  assert.match(errorOf(await raw.next('pusher:error')).message, /Invalid signature/);
  assert.deepEqual(await users('presence-forge'), []);
  raw.close();
});

test('raw: channel_data given by the app overrides the signed-in identity', async () => {
  const raw = await RawClient.open(server.wsUrl());
  await raw.signedIn({ id: 'p-signed', user_info: { a: 1 } }, creds());
  presenceSubscribe(raw, 'presence-override', JSON.stringify({ user_id: 'p-channel', user_info: { b: 2 } }));
  const ok = await raw.next('pusher_internal:subscription_succeeded');
  const presence = (JSON.parse(ok.data as string) as { presence: { hash: Record<string, unknown> } })
    .presence;
  assert.deepEqual(presence.hash, { 'p-channel': { b: 2 } });
  raw.close();
});
