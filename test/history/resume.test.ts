/**
 * Resume for signed-in users on one node (history in memory), with the official pusher-js through a
 * TCP proxy the test cuts: events published while a user had no connection arrive after the reconnect,
 * once and in order; an expired window or a trimmed history gives herald:resume_failed; resume is
 * keyed by user and re-authorized like any subscription.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type PusherServer from 'pusher';
import { connected, once, pusherOptions } from '../helpers/clients.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

let server: TestServer;
let sdk: PusherServer;
let proxy: TcpProxy;
/** Added to the server's clock: lets a resume window expire without sleeping through it. */
let clockOffset = 0;
const clients: PusherJs[] = [];

before(async () => {
  server = await startHerald(
    {
      apps: [
        {
          id: 'app-id',
          key: 'app-key',
          secret: 'app-secret',
          history: [
            { channels: 'private-history-*', size: 200, ttlSeconds: 600, resumeSeconds: 60 } as never,
            { channels: 'small-*', size: 10, ttlSeconds: 600, resumeSeconds: 60 } as never,
            { channels: 'history-*', size: 200, ttlSeconds: 600, resumeSeconds: 30 } as never,
            { channels: 'anon-*', size: 10, ttlSeconds: 600, resumeSeconds: 30, signinWaitMs: 300 } as never,
          ],
        },
      ],
    },
    { clock: () => Date.now() + clockOffset },
  );
  sdk = sdkFor(server);
  proxy = await TcpProxy.start(server.port);
});

after(async () => {
  for (const c of clients) c.disconnect();
  await proxy.close();
  await server.close();
});

interface Tab {
  client: PusherJs;
  /** `data.n` of every event received, per channel, in arrival order. */
  got: Map<string, unknown[]>;
  /** Every event after `mark()`: [channel, event name]. */
  since: [string, string][];
  mark(): void;
}

/** A pusher-js client through the proxy, signed in as `userId`; `deny` refuses channel auth by name. */
async function tab(userId: string, deny: (channel: string) => boolean = () => false): Promise<Tab> {
  const base = pusherOptions(server, { user: { id: userId } });
  const auth = base['channelAuthorization'] as {
    customHandler: (p: { channelName: string }, cb: (e: Error | null, d: unknown) => void) => void;
  };
  const client = new PusherJs(server.app.key, {
    ...base,
    wsPort: proxy.port,
    channelAuthorization: {
      customHandler: (
        p: { socketId: string; channelName: string },
        cb: (e: Error | null, d: unknown) => void,
      ) => (deny(p.channelName) ? cb(new Error('forbidden'), null) : auth.customHandler(p, cb)),
    },
  } as never);
  clients.push(client);
  const t: Tab = {
    client,
    got: new Map(),
    since: [],
    mark() {
      t.since.length = 0;
    },
  };
  client.connection.bind('message', (m: { event: string; channel?: string; data?: { n?: unknown } }) => {
    if (!m.channel || m.event.startsWith('pusher')) return;
    t.since.push([m.channel, m.event]);
    if (m.event !== 'tick') return;
    const list = t.got.get(m.channel) ?? [];
    list.push(m.data?.n);
    t.got.set(m.channel, list);
  });
  await connected(client, 10_000);
  client.signin();
  await client.user.signinDonePromise;
  return t;
}

async function subscribe(t: Tab, channel: string): Promise<void> {
  const ch = t.client.subscribe(channel);
  await once(ch, 'pusher:subscription_succeeded', 5000);
}

function publish(channel: string, n: number): Promise<unknown> {
  return sdk.trigger(channel, 'tick', { n });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Cuts the proxy, waits until the server saw every connection go, runs `during`, restores. */
async function drop(during: () => Promise<void>, cutMs: number): Promise<void> {
  const cutAt = Date.now();
  proxy.cut();
  await until('the server to see the drop', () => server.herald.connectionCount === 0, 10_000);
  await during();
  // A real outage: nothing gets through for the whole cut, whatever pusher-js tries meanwhile.
  const left = cutMs - (Date.now() - cutAt);
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  proxy.restore();
}

describe('resume', () => {
  test('100 events published during a 10 s cut reach both tabs of the user after the reconnect, once and in order', async () => {
    const channel = 'history-cut';
    const tabs = [await tab('alice'), await tab('alice')];
    for (const t of tabs) await subscribe(t, channel);
    for (const n of range(1, 5)) await publish(channel, n);
    for (const t of tabs) await until('the live events', () => t.got.get(channel)?.length === 5);

    await drop(async () => {
      for (const n of range(6, 105)) await publish(channel, n);
    }, 10_000);
    for (const t of tabs)
      await until('the missed events', () => (t.got.get(channel)?.length ?? 0) >= 105, 40_000);
    await publish(channel, 106);
    for (const t of tabs) {
      await until('the live event after the reconnect', () => (t.got.get(channel)?.length ?? 0) >= 106);
      assert.deepEqual(t.got.get(channel), range(1, 106));
    }
  });

  test('back after the window: herald:resume_failed on the channel, then live events', async () => {
    const channel = 'history-late';
    const t = await tab('bob');
    await subscribe(t, channel);
    await publish(channel, 1);
    await until('the live event', () => t.got.get(channel)?.length === 1);
    const failed = new Promise<unknown>((resolve) =>
      t.client.channel(channel).bind('herald:resume_failed', resolve),
    );
    await drop(async () => {
      await publish(channel, 2);
      clockOffset += 31_000;
    }, 0);
    const data = (await Promise.race([
      failed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no herald:resume_failed')), 20_000)),
    ])) as { reason: string; since: number; serial: number };
    assert.deepEqual(data, { reason: 'window', since: 1, serial: 2 });
    await publish(channel, 3);
    await until('the live event', () => t.got.get(channel)?.length === 2);
    assert.deepEqual(t.got.get(channel), [1, 3]);
  });

  test('more missed events than the history keeps: herald:resume_failed with reason size', async () => {
    const channel = 'small-feed';
    const t = await tab('carol');
    await subscribe(t, channel);
    await publish(channel, 1);
    await until('the live event', () => t.got.get(channel)?.length === 1);
    const failed = new Promise<unknown>((resolve) =>
      t.client.channel(channel).bind('herald:resume_failed', resolve),
    );
    await drop(async () => {
      for (const n of range(2, 21)) await publish(channel, n);
    }, 0);
    const data = (await failed) as { reason: string; since: number; serial: number };
    assert.deepEqual(data, { reason: 'size', since: 1, serial: 21 });
  });

  test('resume is for the same user, on channels it is still authorized for: others get nothing past', async () => {
    const channel = 'private-history-secret';
    let denied = false;
    const dave = await tab('dave', (name) => denied && name === channel);
    await subscribe(dave, channel);
    await subscribe(dave, 'barrier');
    await publish(channel, 1);
    await until('the live event', () => dave.got.get(channel)?.length === 1);

    const refused = new Promise<void>((resolve) =>
      dave.client.channel(channel).bind('pusher:subscription_error', () => resolve()),
    );
    await drop(async () => {
      for (const n of range(2, 4)) await publish(channel, n);
      denied = true;
    }, 0);
    await refused;
    // Someone else, authorized for the channel, joins after dave's drop.
    const eve = await tab('eve');
    await subscribe(eve, channel);
    await subscribe(eve, 'barrier');
    dave.mark();
    eve.mark();
    await sdk.trigger(['barrier'], 'marker', {});
    await until('the marker', () => dave.since.length > 0 && eve.since.length > 0);
    await sdk.trigger([channel], 'marker', {});
    await until('the marker on the channel', () => eve.since.length > 1);
    assert.deepEqual(dave.since, [['barrier', 'marker']]);
    assert.deepEqual(eve.since, [
      ['barrier', 'marker'],
      [channel, 'marker'],
    ]);
  });

  test('a connection that never signs in: its events wait for the sign-in (signinWaitMs), then arrive in order', async () => {
    const channel = 'anon-feed';
    const client = new PusherJs(server.app.key, { ...pusherOptions(server), wsPort: server.port } as never);
    clients.push(client);
    const got: unknown[] = [];
    client.connection.bind('message', (m: { event: string; channel?: string; data?: { n?: unknown } }) => {
      if (m.channel === channel) got.push(m.event === 'tick' ? m.data?.n : m.event);
    });
    await connected(client, 10_000);
    const ch = client.subscribe(channel);
    await once(ch, 'pusher:subscription_succeeded', 5000);
    // Published while the subscription waits for a pusher:signin that never comes.
    await publish(channel, 1);
    await publish(channel, 2);
    await until('the held events', () => got.length === 3, 10_000);
    await publish(channel, 3);
    await until('a live event', () => got.length === 4);
    assert.deepEqual(got, ['pusher_internal:subscription_succeeded', 1, 2, 3]);
  });
});
