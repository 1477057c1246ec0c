/**
 * Rewind on subscribe with events published all the while: over 1,000 subscriptions (many channels in
 * parallel over a few pusher-js connections) each channel's events arrive with no gap and no
 * duplicate, the past ones first, then live ones to the last. On one node (memory) and on two nodes
 * sharing Redis, where events are published on the other node than the subscriber's.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type PusherServer from 'pusher';
import { connected, pusherClient } from '../helpers/clients.js';
import { REDIS_URL, uniquePrefix } from '../helpers/cluster.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const CHANNELS = 1000;
const CONNECTIONS = 4;
const REWIND = 5;
const BATCH = 100;

const servers: TestServer[] = [];
const clients: PusherJs[] = [];

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(servers.map((s) => s.close()));
});

function appWithHistory() {
  return {
    id: 'app-id',
    key: 'app-key',
    secret: 'app-secret',
    limits: { maxBatchSize: BATCH } as never,
    history: [{ channels: 'rw-*', size: 50, ttlSeconds: 600, rewind: REWIND } as never],
  };
}

/** Publishes one round: event `n` on every channel, in batches. */
async function round(sdk: PusherServer, names: string[], n: number): Promise<void> {
  const batches: Promise<unknown>[] = [];
  for (let i = 0; i < names.length; i += BATCH) {
    batches.push(
      sdk.triggerBatch(names.slice(i, i + BATCH).map((channel) => ({ channel, name: 'tick', data: { n } }))),
    );
  }
  await Promise.all(batches);
}

async function trials(publishVia: TestServer, subscribeVia: TestServer, tag: string): Promise<void> {
  const sdk = sdkFor(publishVia);
  const names = Array.from({ length: CHANNELS }, (_, i) => `rw-${tag}-${i}`);
  const got = new Map<string, number[]>(names.map((n) => [n, []]));
  const conns: PusherJs[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const c = pusherClient(subscribeVia);
    clients.push(c);
    c.connection.bind('message', (m: { event: string; channel?: string; data?: { n: number } }) => {
      if (m.event === 'tick' && m.channel) got.get(m.channel)!.push(m.data!.n);
    });
    conns.push(c);
  }
  await Promise.all(conns.map((c) => connected(c, 10_000)));

  // Each slice of channels is subscribed while a round of events (one per channel) is being published.
  await round(sdk, names, 1);
  let done = 1;
  const publishedBefore = new Map<string, number>();
  const SLICE = 100;
  for (let i = 0; i < CHANNELS; i += SLICE) {
    const publishing = round(sdk, names, done + 1);
    const ready = names.slice(i, i + SLICE).map((name, j) => {
      publishedBefore.set(name, done);
      const ch = conns[(i + j) % CONNECTIONS]!.subscribe(name);
      return new Promise<void>((resolve) => ch.bind('pusher:subscription_succeeded', () => resolve()));
    });
    await Promise.all([publishing, ...ready]);
    done++;
  }
  const last = done + 1;
  await round(sdk, names, last);
  await until(
    'the last event on every channel',
    () => names.every((n) => got.get(n)!.at(-1) === last),
    60_000,
  );

  for (const name of names) {
    const seen = got.get(name)!;
    const first = seen[0]!;
    const expected = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    assert.deepEqual(seen, expected, `${name}: a gap or a duplicate`);
    // The subscribe is handled some time after it was sent, so the rewind starts at most REWIND events
    // before what was published by then, and never earlier.
    assert.ok(
      first >= Math.max(1, publishedBefore.get(name)! - REWIND + 1),
      `${name}: rewind too long (${first})`,
    );
  }
}

describe('rewind with concurrent publishing', () => {
  test(`one node: ${CHANNELS} subscriptions, no gap and no duplicate`, async () => {
    const server = await startHerald({ apps: [appWithHistory()] });
    servers.push(server);
    await trials(server, server, 'mem');
  });

  test(`two nodes on Redis, published on the other node: ${CHANNELS} subscriptions, no gap and no duplicate`, async () => {
    const prefix = uniquePrefix();
    const config = { adapter: { redisUrl: REDIS_URL, prefix }, apps: [appWithHistory()] };
    const a = await startHerald(config);
    const b = await startHerald(config);
    servers.push(a, b);
    await trials(a, b, 'redis');
  });
});
