/** `#server-to-user-{id}` (CH-18, UA-09): ownership, delivery to every signed-in socket, socket_id exclusion. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { errorOf, RawClient } from '../helpers/raw-client.js';
import { sdkFor, sdkPost } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { signedInSocket } from './clients.js';

let server: TestServer;
let sdk: PusherServer;

before(async () => {
  server = await startHerald();
  sdk = sdkFor(server);
});
after(() => server.close());

const signedIn = (id: string): Promise<RawClient> => signedInSocket(server, id);

function subscribeFrame(channel: string, withAuth = true) {
  return { event: 'pusher:subscribe', data: withAuth ? { channel, auth: '' } : { channel } };
}

test('only the socket signed in as that id may subscribe', async () => {
  const anonymous = await RawClient.open(server.wsUrl());
  anonymous.send(subscribeFrame('#server-to-user-owner'));
  const e1 = await anonymous.next('pusher:error');
  assert.equal(errorOf(e1).code, null);
  assert.match(errorOf(e1).message, /Sign in as user owner/);

  const intruder = await signedIn('intruder');
  intruder.send(subscribeFrame('#server-to-user-owner'));
  const e2 = await intruder.next('pusher:error');
  assert.equal(errorOf(e2).code, null);
  assert.match(errorOf(e2).message, /only user owner may subscribe/);
  // Refused means not joined: the intruder gets nothing sent to the owner.
  await sdk.sendToUser('owner', 'secret', { s: 1 });
  assert.deepEqual(await intruder.drain(), []);
  assert.deepEqual(await anonymous.drain(), []);

  const owner = await signedIn('owner');
  owner.send(subscribeFrame('#server-to-user-owner', false)); // Java sends no auth field at all
  const ok = await owner.next('pusher_internal:subscription_succeeded');
  assert.equal(
    ok.raw,
    '{"event":"pusher_internal:subscription_succeeded","channel":"#server-to-user-owner","data":"{}"}',
  );
  owner.send(subscribeFrame('#server-to-user-owner'));
  assert.match(errorOf(await owner.next('pusher:error')).message, /Existing subscription/);
  for (const c of [anonymous, intruder, owner]) c.close();
});

test('sendToUser reaches every socket of the user, subscribed or not, and no one else', async () => {
  const a1 = await signedIn('alice');
  const a2 = await signedIn('alice');
  const bob = await signedIn('bob');
  a1.send(subscribeFrame('#server-to-user-alice'));
  await a1.next('pusher_internal:subscription_succeeded');
  // a2 never subscribed: delivery goes by the user index, so an event right after sign-in is not lost.
  await sdk.sendToUser('alice', 'note', { text: 'hi' });
  const expected = '{"event":"note","channel":"#server-to-user-alice","data":"{\\"text\\":\\"hi\\"}"}';
  assert.equal((await a1.next('note')).raw, expected);
  assert.equal((await a2.next('note')).raw, expected);
  assert.deepEqual(await bob.drain(), []);
  for (const c of [a1, a2, bob]) c.close();
});

test('socket_id exclusion applies to a trigger on #server-to-user-', async () => {
  const a1 = await signedIn('carol');
  const a2 = await signedIn('carol');
  const res = await sdkPost(sdk, '/events', {
    name: 'ping-user',
    data: '{}',
    channels: ['#server-to-user-carol'],
    socket_id: a1.socketId,
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  await a2.next('ping-user');
  assert.deepEqual(await a1.drain(), []);
  a1.close();
  a2.close();
});

test('batch_events to #server-to-user- reach the user too', async () => {
  const f = await signedIn('frank');
  const res = await sdk.triggerBatch([
    { channel: '#server-to-user-frank', name: 'b1', data: '1' },
    { channel: 'some-public', name: 'b2', data: '2' },
  ]);
  assert.equal(res.status, 200);
  assert.equal((await f.next('b1')).raw, '{"event":"b1","channel":"#server-to-user-frank","data":"1"}');
  assert.deepEqual(await f.drain(), []);
  f.close();
});

test('after close the user gets nothing; a user with no sockets is not an error', async () => {
  const d = await signedIn('dave');
  d.close();
  await d.closed;
  const res = await sdk.sendToUser('dave', 'late', {});
  assert.equal(res.status, 200);
  const res2 = await sdk.sendToUser('nobody-here', 'late', {});
  assert.equal(res2.status, 200);
});

test('the per-user channel is not an app channel: not listed, no client events, unsubscribe is clean', async () => {
  const erin = await signedIn('erin');
  erin.send(subscribeFrame('#server-to-user-erin'));
  await erin.next('pusher_internal:subscription_succeeded');
  const list = (await (await sdk.get({ path: '/channels' })).json()) as { channels: Record<string, unknown> };
  assert.ok(!('#server-to-user-erin' in list.channels), JSON.stringify(list));
  erin.send({ event: 'client-x', channel: '#server-to-user-erin', data: {} });
  assert.match(errorOf(await erin.next('pusher:error')).message, /only supported on private and presence/);
  erin.send({ event: 'pusher:unsubscribe', data: { channel: '#server-to-user-erin' } });
  erin.send(subscribeFrame('#server-to-user-erin'));
  await erin.next('pusher_internal:subscription_succeeded');
  erin.close();
});

test('an invalid user id in the channel name is refused on subscribe and on trigger', async () => {
  const raw = await RawClient.open(server.wsUrl());
  raw.send(subscribeFrame('#server-to-user-a b'));
  assert.match(errorOf(await raw.next('pusher:error')).message, /Invalid channel name/);
  const res = await sdk
    .post({
      path: '/events',
      body: JSON.stringify({ name: 'x', data: '{}', channels: ['#server-to-user-'] }),
    })
    .then(
      (r) => r.status,
      (err: { status: number }) => err.status,
    );
  assert.equal(res, 400);
  raw.close();
});
