/**
 * At-least-once delivery through the Redis queue: a receiver that fails in every way (500, no answer,
 * refused connection) and comes back gets every event, each request with a stable id; two nodes
 * sharing the queue never both deliver a batch.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import type { HeraldConfigInput } from '../../src/config/config.js';
import type { ServerEvent } from '../../src/events/server-events.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { connect, subscribed, unsubscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const REDIS_URL = process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `herald-test-${randomUUID()}`;

let receiver: WebhookReceiver;
let nodeA: TestServer;
let nodeB: TestServer;
const clients: PusherJs[] = [];
const outcomes: Extract<ServerEvent, { type: 'webhook' }>[] = [];

function config(): HeraldConfigInput {
  return {
    adapter: { driver: 'local', redisUrl: REDIS_URL, prefix: PREFIX },
    webhooks: {
      batchSize: 4,
      batchWindowMs: 30,
      // Long enough that a leave on one node and a re-join on the other fit inside it on a loaded machine.
      delayMs: 1500,
      timeoutMs: 300,
      retryWindowMs: 60_000,
      retryBaseMs: 40,
      retryMaxMs: 250,
    },
    apps: [
      {
        ...TEST_APP,
        webhooks: [
          {
            url: receiver.url('/hook'),
            events: ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed'],
          },
        ],
      },
    ],
  };
}

async function occupy(node: TestServer, channels: string[], userId?: string): Promise<PusherJs> {
  const c = await connect(node.app, node.port, userId);
  clients.push(c);
  await Promise.all(channels.map((ch) => subscribed(c, ch)));
  return c;
}

function attemptedChannels(): Set<string> {
  const out = new Set<string>();
  for (const r of receiver.requests) {
    for (const e of (JSON.parse(r.rawBody) as { events: { channel: string }[] }).events) out.add(e.channel);
  }
  return out;
}

function acceptedChannels(): string[] {
  // A receiver drops duplicates by id: what remains is what it processed.
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of receiver.accepted) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(...r.events.map((e) => e.channel));
  }
  return out;
}

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  nodeA = await startHerald(config());
  nodeB = await startHerald(config());
  // Both nodes share the queue: either may send (or retry) any batch.
  for (const node of [nodeA, nodeB]) {
    node.herald.events.on('webhook', (e) => {
      outcomes.push(e);
      for (const w of [...outcomeWaiters]) w();
    });
  }
});

const outcomeWaiters = new Set<() => void>();

function outcome(check: () => boolean, what: string): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000);
    const w = () => {
      if (!check()) return;
      clearTimeout(timer);
      outcomeWaiters.delete(w);
      resolve();
    };
    outcomeWaiters.add(w);
  });
}

after(async () => {
  for (const c of clients) c.disconnect();
  await nodeA.close();
  await nodeB.close();
  await receiver.close();
  const redis = new Redis(REDIS_URL);
  const base = `{${PREFIX}:webhooks}`;
  await redis.del(
    ...['due', 'batches', 'targets', 'leases', 'dead', 'dead-order', 'held', 'held-due'].map(
      (k) => `${base}:${k}`,
    ),
  );
  await redis.quit();
});

test('500s, then timeouts, then refused connections, then recovery: every event arrives, ids let duplicates go', async () => {
  const channels = Array.from({ length: 10 }, (_, i) => `outage-${i}`);
  receiver.mode = 500;
  await occupy(nodeA, channels);
  await receiver.waitFor('an attempt for every channel', () =>
    channels.every((c) => attemptedChannels().has(c)),
  );

  receiver.mode = 'hang';
  const hungBefore = receiver.requests.length;
  await receiver.waitFor('attempts that time out', () =>
    receiver.requests.slice(hungBefore).some((r) => r.answered === 0),
  );

  await receiver.refuse();
  const failedBefore = outcomes.filter((o) => o.outcome === 'failed').length;
  await outcome(
    () => outcomes.filter((o) => o.outcome === 'failed').length >= failedBefore + 2,
    'attempts failing on a refused connection',
  );

  receiver.mode = 200;
  await receiver.accept();
  await receiver.waitFor(
    'every channel accepted',
    () => channels.every((c) => acceptedChannels().includes(c)),
    15_000,
  );

  const mine = receiver.requests.filter((r) => r.rawBody.includes('"outage-'));
  assert.ok(
    mine.every((r) => r.valid),
    'the SDK accepted every request',
  );
  assert.ok(
    mine.every((r) => /^[0-9a-f-]{36}$/.test(r.id)),
    'every request carries X-Herald-Webhook-Id',
  );
  // Per id, the body never changes: retries are the same request.
  const bodies = new Map<string, string>();
  for (const r of mine) {
    assert.equal(bodies.get(r.id) ?? r.rawBody, r.rawBody);
    bodies.set(r.id, r.rawBody);
  }
  const delivered = acceptedChannels().filter((c) => c.startsWith('outage-'));
  assert.deepEqual(
    [...delivered].sort(),
    [...channels].sort(),
    'each event exactly once after dropping duplicate ids',
  );
  assert.ok(outcomes.some((o) => o.outcome === 'retried'));
  // The 'sent' outcome follows the receiver's 200 by a moment (the ack).
  await outcome(() => outcomes.some((o) => o.outcome === 'sent'), 'a sent outcome');
  assert.equal(outcomes.filter((o) => o.outcome === 'dead_lettered').length, 0);
});

test('two nodes sharing the queue deliver a backlog without sending any batch twice', async () => {
  const onA = Array.from({ length: 12 }, (_, i) => `shared-a-${i}`);
  const onB = Array.from({ length: 12 }, (_, i) => `shared-b-${i}`);
  receiver.mode = 500;
  await occupy(nodeA, onA);
  await occupy(nodeB, onB);
  const all = [...onA, ...onB];
  await receiver.waitFor('an attempt for every channel', () => all.every((c) => attemptedChannels().has(c)));
  receiver.mode = 200;
  await receiver.waitFor(
    'every channel accepted',
    () => all.every((c) => acceptedChannels().includes(c)),
    15_000,
  );
  const accepted = receiver.accepted.filter((r) => r.rawBody.includes('"shared-'));
  const perId = new Map<string, number>();
  for (const r of accepted) perId.set(r.id, (perId.get(r.id) ?? 0) + 1);
  assert.ok(
    [...perId.values()].every((n) => n === 1),
    'no batch accepted twice',
  );
  assert.equal(accepted.flatMap((r) => r.events).length, all.length, 'no event delivered twice');
  // Acks land just after the 200s: the queue empties within moments.
  const deadline = Date.now() + 5000;
  while ((await nodeA.herald.webhooks!.queue.size()) > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await nodeA.herald.webhooks!.queue.size(), 0);
});

test('leaving on one node and re-joining on another within the delay sends nothing (held events live in Redis)', async () => {
  receiver.mode = 200;
  const seen = (channel: string) => receiver.acceptedEvents().filter((e) => e.channel === channel);
  const onA = await occupy(nodeA, ['roam', 'presence-roam', 'roam-sentinel'], 'u1');
  await receiver.waitFor(
    'joins accepted',
    () =>
      ['roam', 'presence-roam', 'roam-sentinel'].every((c) =>
        seen(c).some((e) => e.name === 'channel_occupied'),
      ) && seen('presence-roam').some((e) => e.name === 'member_added'),
  );
  await unsubscribed(onA, 'roam');
  await unsubscribed(onA, 'presence-roam');
  // The same user comes back through the other node before the delay is over.
  await occupy(nodeB, ['roam', 'presence-roam'], 'u1');
  // Held after the others, so released after them: once it arrives, theirs would have too.
  await unsubscribed(onA, 'roam-sentinel');
  await receiver.waitFor('sentinel vacated', () =>
    seen('roam-sentinel').some((e) => e.name === 'channel_vacated'),
  );
  assert.deepEqual(seen('roam'), [{ name: 'channel_occupied', channel: 'roam' }]);
  const names = seen('presence-roam').map((e) => `${e.name}:${e.user_id ?? ''}`);
  assert.deepEqual(names.sort(), ['channel_occupied:', 'member_added:u1']);
});
