/**
 * A seeded storm of malformed, oversized and wrongly typed frames from many raw sockets against a live
 * Herald, while a well-behaved pusher-js client keeps receiving every SDK event in order. The server
 * must never crash, never answer with an internal error, never drop the good client, keep every storm
 * socket served, and leave no subscription behind once the storm sockets are gone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channelStringToSign, signAuth, userStringToSign } from '../../src/protocol/signatures.js';
import { pusherClient, serverEvent } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record, stateLog } from './inbox.js';

let server: TestServer;
let good: PusherJs;
const internalErrors: string[] = [];

before(async () => {
  server = await startHerald();
  server.herald.events.on('error', (e) => {
    if (e.message === 'Internal server error') internalErrors.push(e.message);
  });
});
after(async () => {
  good?.disconnect();
  await server.close();
});

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const sign = (socketId: string, channel: string, data?: string) =>
  signAuth('app-key', 'app-secret', channelStringToSign(socketId, channel, data));

/** One hostile or odd frame; `raw` sockets get their own socket id for the few validly signed ones. */
function frame(r: (n: number) => number, socketId: string, i: number): string | Buffer {
  const pick = <T>(xs: T[]): T => xs[r(xs.length)]!;
  const weird = () =>
    pick<unknown>([
      123,
      -0.5,
      null,
      true,
      [],
      [1, [2]],
      {},
      { channel: 'x' },
      '',
      'x',
      '{"channel":"json-in-string"}',
      '[1,2]',
      'чат',
      '👋'.repeat(30),
      'a'.repeat(201),
      { __proto__: { polluted: true } },
      JSON.parse('{"__proto__":{"polluted":true}}'),
    ]);
  const names = [
    'storm-public',
    'чат-room',
    'emoji-👋',
    'a'.repeat(200),
    'a'.repeat(201),
    '#server-to-user-someone',
    '#server-to-user-',
    '#server-to-user-a#b',
    '#private-x',
    'private-',
    'presence-',
    'private-encrypted-',
    'with space',
    'tab\tname',
    'nul\u0000name',
    '__proto__',
    'constructor',
    'private-storm',
    'presence-storm',
    `storm-many-${i}`,
    'cache-storm',
  ];
  switch (r(24)) {
    case 0:
      return pick([
        '{',
        '}',
        '{"event":',
        'null',
        '"str"',
        '42',
        '[]',
        '[{"event":"pusher:ping"}]',
        '\u0000',
        '{"event":"pusher:ping"',
      ]);
    case 1:
      return JSON.stringify({ event: weird(), data: weird(), channel: weird() });
    case 2:
      return JSON.stringify({ event: 'pusher:subscribe', data: weird() });
    case 3:
      return JSON.stringify({
        event: 'pusher:subscribe',
        data: { channel: weird(), auth: weird(), channel_data: weird() },
      });
    case 4:
      return JSON.stringify({
        event: 'pusher:subscribe',
        data: {
          channel: pick(names),
          auth: pick(['', 'app-key:', 'app-key:zz', 'other:abc', ':', 'app-key']),
        },
      });
    case 5: {
      // Correctly signed presence with odd but legal member data.
      const channel = 'presence-storm';
      const data = JSON.stringify(
        pick<unknown>([
          { user_id: 'u-👋' },
          { user_id: 7 },
          { user_id: '__proto__', user_info: { a: [1, 2, { b: null }] } },
          { user_id: 'x'.repeat(128) },
          { user_id: 'x'.repeat(129) },
          { user_id: '' },
          { user_id: 1.5e300 },
          { user_id: 's', user_info: 'x'.repeat(2000) },
          { nope: 1 },
          [],
        ]),
      );
      return JSON.stringify({
        event: 'pusher:subscribe',
        data: { channel, auth: sign(socketId, channel, data), channel_data: data },
      });
    }
    case 6: {
      const channel = 'private-storm';
      return JSON.stringify({ event: 'pusher:subscribe', data: { channel, auth: sign(socketId, channel) } });
    }
    case 7:
      return JSON.stringify({
        event: pick(['client-x', 'client-', `client-${'y'.repeat(250)}`]),
        channel: pick(names),
        data: weird(),
      });
    case 8:
      return JSON.stringify({ event: 'client-typing', channel: 'private-storm', data: { i } });
    case 9:
      return JSON.stringify({ event: 'pusher:unsubscribe', data: pick([weird(), { channel: pick(names) }]) });
    case 10:
      return JSON.stringify({
        event: 'pusher:signin',
        data: pick([weird(), { auth: weird(), user_data: weird() }]),
      });
    case 11: {
      const userData = pick([
        '{}',
        '{"id":""}',
        '{"id":5}',
        'not json',
        '{"id":"ok","watchlist":"nope"}',
        '{"id":"ok","watchlist":[1,{}]}',
        '{"id":"a#b"}',
      ]);
      return JSON.stringify({
        event: 'pusher:signin',
        data: {
          auth: signAuth('app-key', 'app-secret', userStringToSign(socketId, userData)),
          user_data: userData,
        },
      });
    }
    case 12:
      // Deep nesting inside the frame cap.
      return `{"event":"pusher:subscribe","data":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    case 13:
      return `{"event":"client-deep","channel":"private-storm","data":${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}}`;
    case 14:
      // Over maxFrameBytes (32 KB) but under the socket cut: a polite error.
      return JSON.stringify({ event: 'client-big', channel: 'private-storm', data: 'z'.repeat(40_000) });
    case 15:
      return Buffer.from(Array.from({ length: 1 + r(64) }, () => r(256)));
    case 16:
      return Buffer.from(JSON.stringify({ event: 'pusher:ping', data: {} }));
    case 17:
      return JSON.stringify({ event: pick(['pusher:ping', 'pusher:pong']), data: weird() });
    case 18:
      return JSON.stringify({
        event: pick([
          'pusher_internal:subscription_succeeded',
          'pusher:connection_established',
          'pusher:error',
          'pusher_internal:member_added',
          'pusher:cache_miss',
        ]),
        channel: 'storm-public',
        data: '{}',
      });
    case 19:
      // Not client- and not pusher:: never broadcast.
      return JSON.stringify({
        event: pick(['seq', 'my-event', 'App\\Events\\X']),
        channel: 'storm-public',
        data: { n: -1 },
      });
    case 20:
      return JSON.stringify({ event: 'client-spoof', channel: 'storm-public', data: { n: -1 } });
    case 21:
      return JSON.stringify({
        event: 'pusher:subscribe',
        data: JSON.stringify({ channel: `storm-many-${i}` }),
      });
    case 22:
      return JSON.stringify({
        event: 'pusher:subscribe',
        channel: 'storm-public',
        data: { channel: 'storm-public', extra: weird() },
        extra: weird(),
      });
    default:
      return JSON.stringify({ event: 'pusher:subscribe', data: { channel: `storm-many-${i % 50}` } });
  }
}

test('a frame storm from 12 sockets: the good pusher-js client gets 150 events in order, nobody is dropped', async () => {
  good = pusherClient(server, { user: { id: 'good' } });
  const log = stateLog(good);
  const inbox = new Inbox();
  const feed = 'storm-public';
  record(good, feed, inbox, ['pusher:subscription_succeeded', 'seq']);
  const received: number[] = [];
  const others: string[] = [];
  good.channel(feed)!.bind_global((event: string) => {
    if (!['seq', 'pusher:subscription_succeeded'].includes(event)) others.push(event);
  });
  good.channel(feed)!.bind('seq', (d: { n: number }) => received.push(d.n));
  await inbox.event(feed, 'pusher:subscription_succeeded');

  const storm = await Promise.all(Array.from({ length: 12 }, () => RawClient.open(server)));
  const r = rng(0x5eed);
  const N = 150;
  const sdk = sdkFor(server);
  const publisher = (async () => {
    for (let n = 0; n < N; n++) await sdk.trigger(feed, 'seq', { n });
  })();
  for (let round = 0; round < 100; round++) {
    for (const raw of storm) raw.ws.send(frame(r, raw.socketId, round));
    // Let the publisher and the server interleave with the storm.
    if (round % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
  }
  await publisher;
  await inbox.next((s) => s.event === 'seq' && (s.data as { n: number }).n === N - 1, 10_000, 'last seq');

  assert.deepEqual(
    received,
    Array.from({ length: N }, (_, n) => n),
    'every event, in order',
  );
  assert.deepEqual(others, [], 'nothing the storm sent reached the public channel');
  assert.equal(good.connection.state, 'connected');
  assert.ok(!log.includes('connecting') && !log.includes('disconnected'), log.join(' → '));
  for (const raw of storm) await raw.assertServed();
  // The storm really was one: most frames were refused, and some odd-but-legal ones got in.
  const frames = storm.flatMap((raw) => raw.frames);
  const errors = frames.filter((f) => f.event === 'pusher:error').length;
  const joined = frames.filter((f) => f.event === 'pusher_internal:subscription_succeeded').length;
  assert.ok(errors >= 500, `${errors} errors`);
  assert.ok(joined >= 50, `${joined} subscriptions`);
  for (const f of frames.filter((f) => f.event === 'pusher:error')) {
    const code = (f.data as { code: unknown }).code;
    assert.ok(code === null || code === 4301 || code === 4302, f.raw);
  }
  assert.deepEqual(internalErrors, []);

  // Once the storm sockets leave, nothing they joined outlives them.
  const gone = storm.map((raw) =>
    serverEvent(server, 'connection_closed', (e) => e.socketId === raw.socketId),
  );
  for (const raw of storm) raw.close();
  await Promise.all(gone);
  assert.equal(server.herald.connectionCount, 1);
  const list = (await (await sdk.get({ path: '/channels' })).json()) as { channels: object };
  assert.deepEqual(Object.keys(list.channels), [feed]);
  const users = (await (await sdk.get({ path: '/channels/presence-storm/users' })).json()) as {
    users: unknown[];
  };
  assert.deepEqual(users, { users: [] });
});

test('a frame far past the socket cap closes only that socket (1009); the good client is unaffected', async () => {
  const raw = await RawClient.open(server);
  raw.ws.send('x'.repeat(2 * 1024 * 1024));
  assert.equal((await raw.closed).code, 1009);
  const inbox = new Inbox();
  record(good, 'storm-public', inbox, ['after']);
  await sdkFor(server).trigger('storm-public', 'after', { ok: 1 });
  assert.deepEqual((await inbox.event('storm-public', 'after')).data, { ok: 1 });
});
