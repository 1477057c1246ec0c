/** pusher:signin (UA-01..UA-07) with pusher-js and the pusher SDK, and every error path as raw frames. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type PusherServer from 'pusher';
import { once } from '../helpers/clients.js';
import { errorOf, RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { pusherJsFor } from './clients.js';

const OFF_APP = { id: 'signin-off', key: 'signin-off-key', secret: 'signin-off-secret' };

let server: TestServer;
let sdk: PusherServer;
const creds = () => ({ key: server.app.key, secret: server.app.secret });

before(async () => {
  server = await startHerald({
    apps: [{ ...TEST_APP }, { ...OFF_APP, userAuthentication: false }],
  });
  sdk = sdkFor(server);
});
after(() => server.close());

describe('with the official clients', () => {
  test('pusher-js signs in through the SDK and user.bind receives sendToUser', async () => {
    const client = pusherJsFor(server, sdk, { user: { id: 'ada', user_info: { name: 'Ada' } } });
    try {
      const connected = once(client.connection, 'connected');
      client.signin();
      await connected;
      await client.user.signinDonePromise;
      assert.deepEqual(client.user.user_data, { id: 'ada', user_info: { name: 'Ada' } });
      // pusher-js subscribes to #server-to-user-ada after signin_success; wait until it is confirmed.
      const channel = client.user.serverToUserChannel;
      if (!channel.subscribed) await once(channel, 'pusher:subscription_succeeded');
      const received = once<{ n: number }>(client.user, 'greeting');
      await sdk.sendToUser('ada', 'greeting', { n: 1 });
      assert.deepEqual(await received, { n: 1 });
    } finally {
      client.disconnect();
    }
  });

  test('the SDK authenticateUser output is accepted byte for byte and echoed in signin_success', async () => {
    const raw = await RawClient.open(server.wsUrl());
    const auth = sdk.authenticateUser(raw.socketId, {
      id: '42',
      user_info: { name: 'Ada' },
      watchlist: ['7'],
    });
    raw.send({ event: 'pusher:signin', data: auth });
    const ok = await raw.next('pusher:signin_success');
    assert.equal(
      ok.raw,
      JSON.stringify({ event: 'pusher:signin_success', data: { user_data: auth.user_data } }),
    );
    raw.close();
  });

  test('user_data is verified as the exact string: spacing the app chose is kept, not re-serialized', async () => {
    const raw = await RawClient.open(server.wsUrl());
    const text = '{ "id" : "spaced",  "user_info": {"a": 1} }';
    raw.signin(text, creds());
    const ok = await raw.next('pusher:signin_success');
    assert.equal((ok.data as { user_data: string }).user_data, text);
    raw.close();
  });

  test('data as a JSON string (not an object) is accepted too', async () => {
    const raw = await RawClient.open(server.wsUrl());
    const auth = sdk.authenticateUser(raw.socketId, { id: 'stringy' });
    raw.send({ event: 'pusher:signin', data: JSON.stringify(auth) });
    await raw.next('pusher:signin_success');
    raw.close();
  });
});

describe('refusals are non-closing pusher:error frames', () => {
  let bystander: RawClient;
  before(async () => {
    bystander = await RawClient.open(server.wsUrl());
  });
  after(() => bystander.close());

  async function refused(raw: RawClient, pattern: RegExp): Promise<void> {
    const err = await raw.next('pusher:error');
    assert.equal(errorOf(err).code, null);
    assert.match(errorOf(err).message, pattern);
    const rest = await raw.drain();
    assert.ok(!rest.some((f) => f.event === 'pusher:signin_success'), 'no success after an error');
  }

  async function notSignedIn(raw: RawClient): Promise<void> {
    // Not signed in: the per-user channel of the claimed id stays closed to it.
    raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-victim', auth: '' } });
    assert.match(errorOf(await raw.next('pusher:error')).message, /server-to-user-victim/);
  }

  test('a forged signature', async () => {
    const raw = await RawClient.open(server.wsUrl());
    raw.signin({ id: 'victim' }, { ...creds(), auth: `${server.app.key}:${'0'.repeat(64)}` });
    await refused(raw, /Invalid signature/);
    await notSignedIn(raw);
    raw.close();
  });

  test('a signature made with another secret, and one over another socket id', async () => {
    const raw = await RawClient.open(server.wsUrl());
    raw.signin({ id: 'victim' }, { key: server.app.key, secret: 'not-the-secret' });
    await refused(raw, /Invalid signature/);
    const other = await RawClient.open(server.wsUrl());
    const stolen = sdk.authenticateUser(other.socketId, { id: 'victim' });
    raw.send({ event: 'pusher:signin', data: stolen });
    await refused(raw, /Invalid signature/);
    await notSignedIn(raw);
    other.close();
    raw.close();
  });

  test('a wrong key in auth', async () => {
    const raw = await RawClient.open(server.wsUrl());
    const good = sdk.authenticateUser(raw.socketId, { id: 'victim' });
    raw.send({
      event: 'pusher:signin',
      data: { user_data: good.user_data, auth: `other-key:${good.auth.split(':')[1]}` },
    });
    await refused(raw, /Invalid key/);
    raw.close();
  });

  test('missing auth or user_data', async () => {
    const raw = await RawClient.open(server.wsUrl());
    raw.send({ event: 'pusher:signin', data: { user_data: '{"id":"1"}' } });
    await refused(raw, /auth and user_data/);
    raw.send({ event: 'pusher:signin', data: { auth: 'app-key:00' } });
    await refused(raw, /auth and user_data/);
    raw.close();
  });

  const malformed: [string, string, RegExp][] = [
    ['not JSON', '{"id":', /not JSON/],
    ['an array', '["1"]', /expected an object/],
    ['a number', '42', /expected an object/],
    ['no id', '{"user_info":{}}', /id must be a non-empty string/],
    ['a numeric id', '{"id":42}', /id must be a non-empty string/],
    ['an empty id', '{"id":""}', /id must be a non-empty string/],
    ['an id outside the channel-name characters', '{"id":"a b#c"}', /id may only contain/],
    ['an id over 128 characters', JSON.stringify({ id: 'x'.repeat(129) }), /id may only contain/],
    ['a watchlist that is not an array', '{"id":"1","watchlist":"2"}', /watchlist must be an array/],
    ['a watchlist of numbers', '{"id":"1","watchlist":[2]}', /watchlist must be an array/],
  ];
  for (const [what, userData, pattern] of malformed) {
    test(`correctly signed user_data with ${what}`, async () => {
      const raw = await RawClient.open(server.wsUrl());
      raw.signin(userData, creds());
      await refused(raw, pattern);
      // The same connection can still sign in properly afterwards.
      await raw.signedIn({ id: 'recovered' }, creds());
      raw.close();
    });
  }

  test('a second sign-in with another id is refused; the same id succeeds again', async () => {
    const raw = await RawClient.open(server.wsUrl());
    await raw.signedIn({ id: 'first' }, creds());
    raw.signin({ id: 'second' }, creds());
    const err = await raw.next('pusher:error');
    assert.equal(errorOf(err).code, null);
    assert.match(errorOf(err).message, /already signed in as user first/);
    await raw.signedIn({ id: 'first', user_info: { again: true } }, creds());
    // Still "first": its own channel opens, the other one does not.
    raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-first', auth: '' } });
    await raw.next((f) => f.event === 'pusher_internal:subscription_succeeded');
    raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-second', auth: '' } });
    await raw.next('pusher:error');
    raw.close();
  });

  test('an app with userAuthentication off refuses sign-in without closing', async () => {
    const raw = await RawClient.open(server.wsUrl(`/app/${OFF_APP.key}?protocol=7`));
    raw.signin({ id: '1' }, OFF_APP);
    await refused(raw, /not enabled/);
    raw.close();
  });

  test('the bystander connection was served throughout', async () => {
    assert.deepEqual(await bystander.drain(), []);
  });
});

describe('watchlist limit (UA-07)', () => {
  test('101 ids: signin_success, then error 4302, and only the first 100 are watched', async () => {
    const raw = await RawClient.open(server.wsUrl());
    const watchlist = Array.from({ length: 101 }, (_, i) => `w${i}`);
    raw.signin({ id: 'many', watchlist }, creds());
    const ok = await raw.next('pusher:signin_success');
    const err = await raw.next('pusher:error');
    assert.ok(raw.socketId);
    assert.equal(
      err.raw,
      '{"event":"pusher:error","data":{"code":4302,"message":"Watchlist limit exceeded. Only the first 100 user IDs are accepted."}}',
    );
    assert.ok(ok);
    const status = await raw.next('pusher_internal:watchlist_events');
    const events = (JSON.parse(status.data as string) as { events: { name: string; user_ids: string[] }[] })
      .events;
    assert.deepEqual(events, [{ name: 'offline', user_ids: watchlist.slice(0, 100) }]);
    // The 101st id is not watched: it coming online sends nothing to this socket.
    const w100 = await RawClient.open(server.wsUrl());
    await w100.signedIn({ id: 'w100' }, creds());
    const w99 = await RawClient.open(server.wsUrl());
    await w99.signedIn({ id: 'w99' }, creds());
    const online = await raw.next('pusher_internal:watchlist_events');
    assert.equal(online.data, '{"events":[{"name":"online","user_ids":["w99"]}]}');
    assert.deepEqual(await raw.drain(), []);
    // Still open and signed in.
    raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-many' } });
    await raw.next('pusher_internal:subscription_succeeded');
    for (const c of [raw, w100, w99]) c.close();
  });

  test('exactly 100 ids: no 4302', async () => {
    const raw = await RawClient.open(server.wsUrl());
    await raw.signedIn({ id: 'hundred', watchlist: Array.from({ length: 100 }, (_, i) => `h${i}`) }, creds());
    await raw.next('pusher_internal:watchlist_events');
    assert.deepEqual(await raw.drain(), []);
    raw.close();
  });
});
