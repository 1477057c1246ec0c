/**
 * Cache channels (CH-21, CE-10) for all four prefixes with the official pusher-js and the `pusher`
 * SDK: the last API event is replayed right after subscription_succeeded, `pusher:cache_miss` when
 * empty, expiry after cacheTtl (on an injected clock, so no waiting), client events never cached,
 * and the cache test is a prefix test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import { firedBefore, once, pusherClient, serverEvent } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { type Frame, RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const MASTER_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const TTL = 30;

let server: TestServer;
let offsetMs = 0;
const clients: PusherJs[] = [];

const sdk = () => sdkFor(server, { encryptionMasterKeyBase64: MASTER_KEY });

function client(): PusherJs {
  const p = pusherClient(server, { sdk: sdk(), user: { id: `u${clients.length}` } });
  clients.push(p);
  return p;
}

/** A raw subscription that returns the frames following subscription_succeeded. */
async function rawSubscribe(channel: string): Promise<{ raw: RawClient; next: () => Promise<Frame> }> {
  const raw = await RawClient.open(server);
  const extra: Record<string, unknown> = {};
  if (channel.startsWith('presence-')) {
    extra['channel_data'] = '{"user_id":"raw"}';
    extra['auth'] = signAuth(
      'app-key',
      'app-secret',
      channelStringToSign(raw.socketId, channel, '{"user_id":"raw"}'),
    );
  } else if (channel.startsWith('private-')) {
    extra['auth'] = signAuth('app-key', 'app-secret', channelStringToSign(raw.socketId, channel));
  }
  const reply = await raw.subscribe(channel, extra);
  assert.equal(reply.event, 'pusher_internal:subscription_succeeded', reply.raw);
  // Frames arrive in order: the first one after success is the replay or the miss.
  return { raw, next: () => raw.next((f) => f.channel === channel) };
}

async function cacheInfo(channel: string): Promise<{ data: string; ttl: number } | null> {
  const res = await sdkFor(server).get({ path: `/channels/${channel}`, params: { info: 'cache' } });
  return ((await res.json()) as { cache: { data: string; ttl: number } | null }).cache;
}

before(async () => {
  server = await startHerald({ cacheTtl: TTL }, { clock: () => Date.now() + offsetMs });
});
after(async () => {
  for (const p of clients) p.disconnect();
  await server.close();
});

for (const prefix of ['cache-', 'private-cache-', 'presence-cache-', 'private-encrypted-cache-']) {
  describe(`${prefix}* channels`, () => {
    test('an empty channel answers pusher:cache_miss to the new subscriber (pusher-js)', async () => {
      const channel = `${prefix}empty`;
      const missEvent = serverEvent(server, 'cache_miss', (e) => e.channel === channel);
      const ch = client().subscribe(channel);
      const miss = once(ch, 'pusher:cache_miss');
      await once(ch, 'pusher:subscription_succeeded');
      await miss;
      await missEvent;
    });

    test('the last API event is replayed to a new subscriber right after subscription_succeeded', async () => {
      const channel = `${prefix}replay`;
      await sdk().trigger(channel, 'first', { n: 1 });
      await sdk().trigger(channel, 'price', { n: 2 });
      const ch = client().subscribe(channel);
      const replay = once(ch, 'price');
      // A marker published after the replay arrived comes after anything else the subscribe produced.
      const noFirst = firedBefore(ch, 'first', 'marker', async () => {
        const noMiss = firedBefore(ch, 'pusher:cache_miss', 'marker', async () => {
          await once(ch, 'pusher:subscription_succeeded');
          assert.deepEqual(await replay, { n: 2 });
          await sdk().trigger(channel, 'marker', {});
        });
        assert.equal(await noMiss, false);
      });
      assert.equal(await noFirst, false, 'only the last event is kept');
    });
  });
}

describe('cache frames and lifetime', () => {
  test('exact frames: cache_miss data "{}", the replay is a normal channel event', async () => {
    const miss = await rawSubscribe('cache-frames');
    assert.equal(
      (await miss.next()).raw,
      '{"event":"pusher:cache_miss","channel":"cache-frames","data":"{}"}',
    );
    await sdkFor(server).trigger('cache-frames', 'tick', '{"v":1}');
    await miss.raw.nextEvent('tick');
    const hit = await rawSubscribe('cache-frames');
    assert.equal((await hit.next()).raw, '{"event":"tick","channel":"cache-frames","data":"{\\"v\\":1}"}');
    miss.raw.close();
    hit.raw.close();
  });

  test('private-encrypted-cache: the miss is "{}" too (ENC-06)', async () => {
    const s = await rawSubscribe('private-encrypted-cache-frames');
    assert.equal(
      (await s.next()).raw,
      '{"event":"pusher:cache_miss","channel":"private-encrypted-cache-frames","data":"{}"}',
    );
    s.raw.close();
  });

  test('the entry expires after cacheTtl; GET channel info=cache shows data and ttl, then null', async () => {
    await sdkFor(server).trigger('cache-ttl', 'e', 'v1');
    const info = await cacheInfo('cache-ttl');
    assert.equal(info?.data, 'v1');
    assert.ok(info && info.ttl > 0 && info.ttl <= TTL, JSON.stringify(info));
    offsetMs += (TTL + 1) * 1000;
    assert.equal(await cacheInfo('cache-ttl'), null);
    const s = await rawSubscribe('cache-ttl');
    assert.equal((await s.next()).event, 'pusher:cache_miss');
    s.raw.close();
  });

  test('client events are never cached (CE-10)', async () => {
    const sender = await rawSubscribe('private-cache-chat');
    assert.equal((await sender.next()).event, 'pusher:cache_miss');
    sender.raw.send({ event: 'client-typing', channel: 'private-cache-chat', data: { on: true } });
    await sender.raw.assertServed();
    const late = await rawSubscribe('private-cache-chat');
    assert.equal((await late.next()).event, 'pusher:cache_miss');
    sender.raw.close();
    late.raw.close();
  });

  test('"cache-" only counts as a prefix: my-cache-x and private-my-cache-x are plain channels', async () => {
    for (const channel of ['my-cache-x', 'xcache-y']) {
      const s = await rawSubscribe(channel);
      await sdkFor(server).trigger(channel, 'e', 'x');
      assert.equal((await s.next()).event, 'e', 'no cache_miss before the event');
      s.raw.close();
    }
    const p = await rawSubscribe('private-my-cache-x');
    await p.raw.assertServed();
    assert.equal(p.raw.frames.length, 0, p.raw.frames.map((f) => f.raw).join(' '));
    p.raw.close();
  });
});
