/**
 * Bad input over a raw `ws` client (WS-16..WS-19, CH-01, CH-02, CH-06, CH-07, CH-12, CH-14): each gets
 * a non-closing `pusher:error` with `code: null` (or close 1009 for a frame far over the cap), the
 * channel is not joined, and the same socket — and others — are still served afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LocalAdapter } from '../../src/adapters/local-adapter.js';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import { type Frame, RawClient } from '../helpers/raw-client.js';
import { sdkFor, sdkMarker } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';

let server: TestServer;
let bystander: RawClient;

/** The in-memory adapter with one injectable fault: the next subscribe to a named channel throws. */
class FlakyAdapter extends LocalAdapter {
  readonly failNext = new Set<string>();
  override async subscribe(appId: string, channel: string, socketId: string): Promise<number> {
    if (this.failNext.delete(channel)) throw new Error('store unavailable');
    return super.subscribe(appId, channel, socketId);
  }
}
const adapter = new FlakyAdapter(Date.now);

before(async () => {
  server = await startHerald(
    {
      apps: [
        {
          ...TEST_APP,
          clientEvents: true,
          limits: {
            maxPresenceMembers: 2,
            maxPresenceUserInfoBytes: 100,
            maxPresenceUserIdLength: 10,
          } as never,
        },
      ],
    },
    { adapter },
  );
  bystander = await RawClient.open(server);
});
after(async () => {
  bystander.close();
  await server.close();
});

const sign = (c: RawClient, channel: string, channelData?: string) =>
  signAuth(TEST_APP.key, TEST_APP.secret, channelStringToSign(c.socketId, channel, channelData));

/** A non-closing pusher:error with code null; returns its message. */
async function expectError(c: RawClient, code: number | null = null): Promise<string> {
  const f: Frame = await c.nextEvent('pusher:error');
  const data = f.data as { code: unknown; message: unknown };
  assert.equal(typeof data, 'object', `pusher:error data must be an object: ${f.raw}`);
  assert.equal(data.code, code, f.raw);
  assert.equal(typeof data.message, 'string');
  return data.message as string;
}

/** The socket and a bystander are both still served. */
async function stillServed(c: RawClient): Promise<void> {
  await c.assertServed();
  await bystander.assertServed();
}

async function occupied(channel: string): Promise<boolean> {
  const res = await sdkFor(server).get({ path: `/channels/${channel}` });
  return ((await res.json()) as { occupied: boolean }).occupied;
}

describe('malformed frames (WS-16, WS-18, WS-19)', () => {
  let c: RawClient;
  before(async () => {
    c = await RawClient.open(server);
  });
  after(() => c.close());

  test('invalid JSON', async () => {
    c.send('{"event":"pusher:ping"');
    assert.match(await expectError(c), /JSON/);
    await stillServed(c);
  });

  test('JSON that is not an object', async () => {
    for (const text of ['[]', '"pusher:ping"', '42', 'null']) {
      c.send(text);
      await expectError(c);
    }
    await stillServed(c);
  });

  test('missing or empty event', async () => {
    c.send('{"data":{}}');
    assert.match(await expectError(c), /event/);
    c.send('{"event":"","data":{}}');
    await expectError(c);
    c.send('{"event":42}');
    await expectError(c);
    await stillServed(c);
  });

  test('unknown pusher: and pusher_internal: events', async () => {
    c.send('{"event":"pusher:teleport","data":{}}');
    assert.match(await expectError(c), /pusher:teleport/);
    c.send('{"event":"pusher_internal:member_added","channel":"presence-x","data":"{}"}');
    await expectError(c);
    await stillServed(c);
  });

  test('binary frames are read as UTF-8 JSON; binary garbage gets a non-closing error', async () => {
    c.ws.send(Buffer.from('{"event":"pusher:ping","data":{}}'), { binary: true });
    await c.next((f) => f.event === 'pusher:pong');
    c.ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]), { binary: true });
    assert.match(await expectError(c), /JSON/);
    await stillServed(c);
  });

  test('a frame over maxFrameBytes gets a non-closing error', async () => {
    const big = JSON.stringify({ event: 'client-x', channel: 'private-a', data: 'x'.repeat(40 * 1024) });
    c.send(big);
    assert.match(await expectError(c), /too large/);
    await stillServed(c);
  });

  test('a frame far over the cap closes that socket with 1009, others are served', async () => {
    const victim = await RawClient.open(server);
    victim.send(JSON.stringify({ event: 'pusher:ping', data: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal((await victim.closed).code, 1009);
    await stillServed(c);
  });

  test('an event that is neither pusher: nor client- is refused and never broadcast', async () => {
    const listener = await RawClient.open(server);
    await listener.subscribe('news');
    await c.subscribe('news');
    c.send({ event: 'my-event', channel: 'news', data: 'hi' });
    await expectError(c);
    const leaked = await listener.receivedBefore(
      (f) => f.event === 'my-event',
      (f) => f.event === 'marker',
      sdkMarker(server, 'news'),
    );
    assert.deepEqual(leaked, []);
    await c.nextEvent('marker', 'news');
    await stillServed(c);
    listener.close();
  });

  test('subscribe/unsubscribe with bad data shapes', async () => {
    for (const msg of [
      { event: 'pusher:subscribe' },
      { event: 'pusher:subscribe', data: null },
      { event: 'pusher:subscribe', data: 'not json' },
      { event: 'pusher:subscribe', data: {} },
      { event: 'pusher:subscribe', data: { channel: 5 } },
      { event: 'pusher:subscribe', data: { channel: 'private-a', auth: {} } },
      { event: 'pusher:unsubscribe', data: [] },
    ]) {
      c.send(msg);
      await expectError(c);
    }
    await stillServed(c);
  });

  test('unsubscribing from a channel never joined is a silent no-op (CH-16)', async () => {
    c.send({ event: 'pusher:unsubscribe', data: { channel: 'never-joined' } });
    await c.assertServed();
    assert.equal(c.frames.length, 0, c.frames.map((f) => f.raw).join(' '));
  });
});

describe('channel names (CH-01, CH-02, CH-14)', () => {
  test('characters outside the Pusher set, # names, too long and missing names are refused', async () => {
    const c = await RawClient.open(server);
    for (const name of ['a b', 'a:b', 'ä', '#private-x', 'abc#def', '#server-to-user-', 'x'.repeat(201)]) {
      const reply = await c.subscribe(name);
      assert.equal(reply.event, 'pusher:error', `${name}: ${reply.raw}`);
      assert.equal((reply.data as { code: unknown }).code, null);
    }
    assert.deepEqual((await c.subscribe('a b')).data, { code: null, message: 'Invalid channel name: a b' });
    // 200 characters of the allowed set, Laravel-style dots and every punctuation mark pass.
    for (const name of [
      'y'.repeat(200),
      'private-App.Models.User.1'.replace('private-', ''),
      'a_b-c=d@e,f.g;h',
    ]) {
      const reply = await c.subscribe(name);
      assert.equal(reply.event, 'pusher_internal:subscription_succeeded', `${name}: ${reply.raw}`);
    }
    await stillServed(c);
    c.close();
  });
});

describe('private channel authorization (CH-06, A-01)', () => {
  let c: RawClient;
  before(async () => {
    c = await RawClient.open(server);
  });
  after(() => c.close());

  test('a forged signature: Pusher-style pusher:error naming the signed string, socket open, not joined', async () => {
    const forged = `${TEST_APP.key}:${'0'.repeat(64)}`;
    const reply = await c.subscribe('private-forged', { auth: forged });
    assert.equal(reply.event, 'pusher:error');
    assert.deepEqual(reply.data, {
      code: null,
      message: `Invalid signature: Expected HMAC SHA256 hex digest of ${c.socketId}:private-forged, but got ${'0'.repeat(64)}`,
    });
    assert.equal(await occupied('private-forged'), false);
    await stillServed(c);
  });

  test("another connection's valid auth is not transferable", async () => {
    const other = await RawClient.open(server);
    const reply = await c.subscribe('private-stolen', { auth: sign(other, 'private-stolen') });
    assert.equal(reply.event, 'pusher:error');
    assert.match((reply.data as { message: string }).message, /^Invalid signature/);
    assert.equal(await occupied('private-stolen'), false);
    other.close();
    await stillServed(c);
  });

  test('a wrong key and a missing auth', async () => {
    const good = sign(c, 'private-k');
    let reply = await c.subscribe('private-k', { auth: good.replace(TEST_APP.key, 'other-key') });
    assert.deepEqual(reply.data, {
      code: null,
      message: "Invalid key in subscription auth data: 'other-key'",
    });
    reply = await c.subscribe('private-k');
    assert.deepEqual(reply.data, { code: null, message: 'Auth info required to subscribe to private-k' });
    reply = await c.subscribe('private-encrypted-k', { auth: '' });
    assert.equal(reply.event, 'pusher:error');
    await stillServed(c);
  });

  test('a valid signature subscribes; a private channel with channel_data is signed over it too', async () => {
    let reply = await c.subscribe('private-ok', { auth: sign(c, 'private-ok') });
    assert.equal(
      reply.raw,
      '{"event":"pusher_internal:subscription_succeeded","channel":"private-ok","data":"{}"}',
    );
    const data = '{"user_id":"7"}';
    reply = await c.subscribe('private-with-data', {
      auth: sign(c, 'private-with-data', data),
      channel_data: data,
    });
    assert.equal(reply.event, 'pusher_internal:subscription_succeeded', reply.raw);
    // When channel_data is sent, a signature over the short form does not match.
    reply = await c.subscribe('private-short', { auth: sign(c, 'private-short'), channel_data: data });
    assert.equal(reply.event, 'pusher:error');
    assert.equal(await occupied('private-ok'), true);
    assert.equal(await occupied('private-short'), false);
  });

  test('subscribe data sent as a JSON string is accepted (WS-18)', async () => {
    c.send({
      event: 'pusher:subscribe',
      data: JSON.stringify({ channel: 'private-str', auth: sign(c, 'private-str') }),
    });
    const reply = await c.nextEvent('pusher_internal:subscription_succeeded', 'private-str');
    assert.equal(reply.data, '{}');
  });
});

describe('presence channel authorization and limits (CH-07, CH-12)', () => {
  const compact = '{"user_id":"42","user_info":{"name":"Ada"}}';
  const spaced = '{"user_id": "42", "user_info": {"name": "Ada"}}';

  test('re-serialized channel_data is refused: the signature covers the exact string', async () => {
    const c = await RawClient.open(server);
    const reply = await c.subscribe('presence-exact', {
      auth: sign(c, 'presence-exact', compact),
      channel_data: spaced,
    });
    assert.equal(reply.event, 'pusher:error');
    const message = (reply.data as { message: string }).message;
    assert.ok(
      message.startsWith(
        `Invalid signature: Expected HMAC SHA256 hex digest of ${c.socketId}:presence-exact:${spaced}, but got `,
      ),
      message,
    );
    assert.equal(await occupied('presence-exact'), false);
    // The exact string succeeds, with the T-03 snapshot.
    const ok = await c.subscribe('presence-exact', {
      auth: sign(c, 'presence-exact', compact),
      channel_data: compact,
    });
    assert.equal(
      ok.raw,
      '{"event":"pusher_internal:subscription_succeeded","channel":"presence-exact","data":"{\\"presence\\":{\\"ids\\":[\\"42\\"],\\"hash\\":{\\"42\\":{\\"name\\":\\"Ada\\"}},\\"count\\":1}}"}',
    );
    await stillServed(c);
    c.close();
  });

  test('channel_data must be JSON with a user_id; numeric ids become strings', async () => {
    const c = await RawClient.open(server);
    for (const data of ['not json', '[]', '{"user_info":{}}', '{"user_id":""}', '{"user_id":true}']) {
      const reply = await c.subscribe('presence-shape', {
        auth: sign(c, 'presence-shape', data),
        channel_data: data,
      });
      assert.equal(reply.event, 'pusher:error', `${data}: ${reply.raw}`);
    }
    const reply = await c.subscribe('presence-shape', {
      auth: sign(c, 'presence-shape', '{"user_id":10}'),
      channel_data: '{"user_id":10}',
    });
    assert.deepEqual(JSON.parse(reply.data as string), {
      presence: { ids: ['10'], hash: { '10': null }, count: 1 },
    });
    await stillServed(c);
    c.close();
  });

  test('user_id over the length limit and user_info over the size limit are refused', async () => {
    const c = await RawClient.open(server);
    const longId = '{"user_id":"12345678901"}';
    let reply = await c.subscribe('presence-lim', {
      auth: sign(c, 'presence-lim', longId),
      channel_data: longId,
    });
    assert.match((reply.data as { message: string }).message, /user_id/);
    const bigInfo = JSON.stringify({ user_id: '1', user_info: { bio: 'x'.repeat(200) } });
    reply = await c.subscribe('presence-lim', {
      auth: sign(c, 'presence-lim', bigInfo),
      channel_data: bigInfo,
    });
    assert.match((reply.data as { message: string }).message, /user_info/);
    assert.equal(await occupied('presence-lim'), false);
    await stillServed(c);
    c.close();
  });

  test('past the member limit a new user is refused and not joined; a present user may add a socket', async () => {
    const join = async (userId: string) => {
      const c = await RawClient.open(server);
      const data = JSON.stringify({ user_id: userId });
      const reply = await c.subscribe('presence-full', {
        auth: sign(c, 'presence-full', data),
        channel_data: data,
      });
      return { c, reply };
    };
    const a = await join('a');
    const b = await join('b');
    assert.equal(a.reply.event, 'pusher_internal:subscription_succeeded');
    assert.equal(b.reply.event, 'pusher_internal:subscription_succeeded');
    const third = await join('c');
    assert.equal(third.reply.event, 'pusher:error');
    assert.equal((third.reply.data as { code: unknown }).code, null);
    assert.deepEqual(third.reply.data, {
      code: null,
      message: 'Presence channel presence-full is full (2 members)',
    });
    // The refusal reached c, so the subscribe was handled: a marker published now comes after any leak
    // (c's member_added, or a member_removed for a c added and backed out).
    const leaked = await a.c.receivedBefore(
      (f) =>
        f.event.startsWith('pusher_internal:member_') && (f.payload as { user_id: string }).user_id === 'c',
      (f) => f.event === 'marker',
      sdkMarker(server, 'presence-full'),
    );
    assert.deepEqual(leaked, []);
    const res = await sdkFor(server).get({ path: '/channels/presence-full/users' });
    assert.deepEqual(((await res.json()) as { users: { id: string }[] }).users.map((u) => u.id).sort(), [
      'a',
      'b',
    ]);
    const aAgain = await join('a');
    assert.equal(aAgain.reply.event, 'pusher_internal:subscription_succeeded');
    await stillServed(third.c);
    for (const x of [a, b, third, aAgain]) x.c.close();
  });
});

describe('store failures', () => {
  test('a subscribe whose store call fails answers an internal error and can be retried', async () => {
    const c = await RawClient.open(server);
    adapter.failNext.add('flaky');
    const reply = await c.subscribe('flaky');
    assert.deepEqual(reply.data, { code: null, message: 'Internal server error' });
    const retry = await c.subscribe('flaky');
    assert.equal(retry.event, 'pusher_internal:subscription_succeeded', retry.raw);
    assert.equal(await occupied('flaky'), true);
    await stillServed(c);
    c.close();
  });
});
