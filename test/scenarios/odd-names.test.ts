/**
 * Names that are legal in the Pusher character set but collide with JavaScript object keys
 * (`__proto__`, `constructor`, `toString`) and names using every punctuation mark Pusher allows
 * (`_-=@,.;`), driven through pusher-js and the SDK: nothing may vanish from a snapshot or an API answer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from './inbox.js';

let server: TestServer;
const clients: PusherJs[] = [];

async function join(channel: string, user?: string): Promise<{ client: PusherJs; inbox: Inbox }> {
  const client = pusherClient(server, user ? { user: { id: user, info: { name: `n-${user}` } } } : {});
  clients.push(client);
  const inbox = new Inbox();
  record(client, channel, inbox, ['pusher:subscription_succeeded', 'pusher:member_added', 'ping']);
  await inbox.event(channel, 'pusher:subscription_succeeded');
  return { client, inbox };
}

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

test('channels named __proto__ and constructor are listed, counted and delivered to', async () => {
  // Raw sockets: pusher-js keeps its channels in a plain object and cannot itself use these names.
  const names = ['__proto__', 'constructor', 'toString'];
  const raws = await Promise.all(names.map(() => RawClient.open(server)));
  for (const [i, raw] of raws.entries()) {
    const ok = await raw.subscribe(names[i]!);
    assert.equal(ok.event, 'pusher_internal:subscription_succeeded', ok.raw);
  }
  const sdk = sdkFor(server);

  const list = (await (await sdk.get({ path: '/channels' })).json()) as { channels: object };
  for (const n of names) assert.ok(Object.hasOwn(list.channels, n), `${n} listed: ${JSON.stringify(list)}`);

  const res = await sdk.trigger(names, 'ping', { x: 1 }, { info: 'subscription_count' });
  assert.equal(
    await res.text(),
    JSON.stringify({ channels: Object.fromEntries(names.map((n) => [n, { subscription_count: 1 }])) }),
  );
  for (const [i, raw] of raws.entries()) {
    const f = await raw.nextEvent('ping', names[i]);
    assert.equal(f.data, '{"x":1}');
    raw.close();
  }
});

test('presence members with ids __proto__ and constructor are in every snapshot and in /users', async () => {
  const room = 'presence-keys';
  await join(room, '__proto__');
  await join(room, 'constructor');
  const last = await join(room, 'hasOwnProperty');
  const snap = last.inbox.all.find((s) => s.event === 'pusher:subscription_succeeded')!.data as {
    count: number;
    members: Record<string, unknown>;
  };
  assert.equal(snap.count, 3);
  assert.deepEqual(
    Object.keys(snap.members).sort(),
    ['__proto__', 'constructor', 'hasOwnProperty'],
    JSON.stringify(snap.members),
  );
  assert.deepEqual(Object.getOwnPropertyDescriptor(snap.members, '__proto__')?.value, {
    name: 'n-__proto__',
  });
  const users = (await (await sdkFor(server).get({ path: `/channels/${room}/users` })).json()) as {
    users: { id: string }[];
  };
  assert.deepEqual(users.users.map((u) => u.id).sort(), ['__proto__', 'constructor', 'hasOwnProperty']);
});

test('every punctuation mark Pusher allows, in private and presence names, end to end', async () => {
  for (const channel of ['private-a_b-c=d@e,f.g;h', 'presence-App.Models.Room;1=2@x,y', 'a_b-c=d@e,f.g;h']) {
    const { inbox } = await join(channel, channel.startsWith('presence-') ? 'u@1' : undefined);
    const sdk = sdkFor(server);
    await sdk.trigger(channel, 'ping', { on: channel });
    assert.deepEqual((await inbox.event(channel, 'ping')).data, { on: channel });
    const info = (await (
      await sdk.get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } })
    ).json()) as unknown;
    assert.deepEqual(info, { occupied: true, subscription_count: 1 }, channel);
  }
});

test('a 200-character channel name works through pusher-js and the SDK', async () => {
  const channel = `private-${'x'.repeat(192)}`;
  assert.equal(channel.length, 200);
  const { inbox } = await join(channel);
  await sdkFor(server).trigger(channel, 'ping', { long: true });
  assert.deepEqual((await inbox.event(channel, 'ping')).data, { long: true });
});
