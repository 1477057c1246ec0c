/**
 * SIGTERM with webhooks still to send, as real processes. With the Redis queue the node leaves its
 * undelivered batches in Redis (durable) and exits; another node delivers them with the same
 * ids. With the in-memory queue nothing survives the process, so the node sends what it holds (here the
 * vacates its own drain produced, still inside their delay) before it exits.
 * (test/webhooks/restart.test.ts covers SIGKILL and a restarted node.)
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { type HeraldProcess, killTree, spawnHerald } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { TEST_APP } from '../helpers/server.js';
import { connect, subscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const REDIS_URL = process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `herald-test-${randomUUID()}`;
const REDIS_ENV = {
  HERALD_REDIS_URL: REDIS_URL,
  HERALD_ADAPTER: 'local',
  HERALD_REDIS_PREFIX: PREFIX,
  HERALD_SHUTDOWN_TIMEOUT: '0',
};

let receiver: WebhookReceiver;
const processes: HeraldProcess[] = [];
const clients: PusherJs[] = [];

function configFile(webhooks: Record<string, number>, events: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'herald-drain-')), 'herald.json');
  writeFileSync(
    file,
    JSON.stringify({
      webhooks: {
        batchSize: 3,
        batchWindowMs: 20,
        timeoutMs: 500,
        retryBaseMs: 50,
        retryMaxMs: 200,
        ...webhooks,
      },
      apps: [{ ...TEST_APP, webhooks: [{ url: receiver.url('/hook'), events }] }],
    }),
  );
  return file;
}

async function start(file: string, env: Record<string, string>): Promise<HeraldProcess> {
  const p = await spawnHerald(['--config', file], env);
  processes.push(p);
  return p;
}

async function client(node: HeraldProcess): Promise<PusherJs> {
  const c = await connect(TEST_APP, node.port);
  clients.push(c);
  return c;
}

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const p of processes) await killTree(p);
  await receiver?.close();
  const redis = new Redis(REDIS_URL);
  const base = `{${PREFIX}:webhooks}`;
  await redis.del(
    ...['due', 'batches', 'targets', 'leases', 'dead', 'dead-order', 'held', 'held-due'].map(
      (k) => `${base}:${k}`,
    ),
  );
  await redis.quit();
});

test('Redis queue: a SIGTERMed node leaves its backlog in Redis and another node delivers it', async () => {
  const file = configFile({ delayMs: 0, retryWindowMs: 60_000 }, ['channel_occupied']);
  const leaving = await start(file, REDIS_ENV);
  receiver.mode = 500;
  const channels = Array.from({ length: 6 }, (_, i) => `drained-${i}`);
  const c = await client(leaving);
  await Promise.all(channels.map((ch) => subscribed(c, ch)));
  await receiver.waitFor('a failed attempt for every channel', () =>
    channels.every((ch) => receiver.requests.some((r) => r.rawBody.includes(`"${ch}"`))),
  );
  c.disconnect();
  leaving.child.kill('SIGTERM');
  assert.equal(await leaving.exited, 0, leaving.output());
  const queued = new Set(receiver.requests.map((r) => r.id));
  assert.equal(receiver.accepted.length, 0);

  // The survivor starts after the leaver is gone: whatever it sends came from Redis.
  receiver.mode = 200;
  await start(file, REDIS_ENV);
  await receiver.waitFor(
    'the backlog delivered by the other node',
    () => channels.every((ch) => receiver.acceptedEvents().some((e) => e.channel === ch)),
    15_000,
  );
  assert.ok(receiver.requests.every((r) => r.valid));
  assert.ok(
    receiver.accepted.every((r) => queued.has(r.id)),
    'the very batches the SIGTERMed node had queued',
  );
  assert.equal(receiver.acceptedEvents().length, channels.length, 'each once');
});

test('memory queue: a SIGTERMed node sends the vacates its drain produced before it exits', async () => {
  // A one-minute delay: without the flush at shutdown these vacates would never be sent.
  const file = configFile({ delayMs: 60_000, retryWindowMs: 10_000 }, [
    'channel_occupied',
    'channel_vacated',
  ]);
  const node = await start(file, { HERALD_REDIS_URL: '', HERALD_SHUTDOWN_TIMEOUT: '0' });
  receiver.mode = 200;
  const c = await client(node);
  await Promise.all(['mem-a', 'mem-b'].map((ch) => subscribed(c, ch)));
  await receiver.waitFor('occupied', () =>
    ['mem-a', 'mem-b'].every((ch) =>
      receiver.acceptedEvents().some((e) => e.name === 'channel_occupied' && e.channel === ch),
    ),
  );
  node.child.kill('SIGTERM');
  assert.equal(await node.exited, 0, node.output());
  // Checked after exit: the requests were answered while the process was still running.
  const vacated = receiver
    .acceptedEvents()
    .filter((e) => e.name === 'channel_vacated')
    .map((e) => e.channel);
  assert.deepEqual(vacated.sort(), ['mem-a', 'mem-b']);
  assert.ok(receiver.requests.every((r) => r.valid));
});
