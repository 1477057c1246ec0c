/**
 * A Herald process killed with SIGKILL while its receiver is failing leaves its backlog in Redis; the
 * next process started with the same configuration delivers all of it. Then the CLI manages dead letters
 * of that queue: list, replay, and delivery of the replayed batch by the running node.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { targetKeys } from '../../src/webhooks/payload.js';
import { RedisWebhookQueue } from '../../src/webhooks/redis-queue.js';
import type { WebhookBatch } from '../../src/webhooks/webhook-queue.js';
import { type HeraldProcess, spawnHerald } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { TEST_APP } from '../helpers/server.js';
import { connect, subscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const REDIS_URL = process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `herald-test-${randomUUID()}`;
const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));
const ENV = { HERALD_REDIS_URL: REDIS_URL, HERALD_ADAPTER: 'local', HERALD_REDIS_PREFIX: PREFIX };

let receiver: WebhookReceiver;
let configFile: string;
const processes: HeraldProcess[] = [];
const clients: PusherJs[] = [];

function cli(
  args: string[],
  env: Record<string, string> = ENV,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, HERALD_CONFIG: '', HERALD_REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

async function start(): Promise<HeraldProcess> {
  const p = await spawnHerald(['--config', configFile], ENV);
  processes.push(p);
  return p;
}

function accepted(channel: string): boolean {
  return receiver.acceptedEvents().some((e) => e.channel === channel);
}

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  configFile = join(mkdtempSync(join(tmpdir(), 'herald-wh-')), 'herald.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      webhooks: {
        batchSize: 3,
        batchWindowMs: 30,
        delayMs: 200,
        timeoutMs: 300,
        retryWindowMs: 60_000,
        retryBaseMs: 50,
        retryMaxMs: 200,
      },
      apps: [{ ...TEST_APP, webhooks: [{ url: receiver.url('/hook'), events: ['channel_occupied'] }] }],
    }),
  );
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const p of processes) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
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

test('a node killed with SIGKILL mid-backlog: the restarted node delivers the whole backlog', async () => {
  const first = await start();
  receiver.mode = 500;
  const channels = Array.from({ length: 9 }, (_, i) => `killed-${i}`);
  const c = await connect(TEST_APP, first.port);
  clients.push(c);
  await Promise.all(channels.map((ch) => subscribed(c, ch)));
  await receiver.waitFor('a failed attempt for every channel', () =>
    channels.every((ch) => receiver.requests.some((r) => r.rawBody.includes(`"${ch}"`))),
  );
  assert.equal(receiver.accepted.length, 0);
  const queuedBeforeKill = new Set(receiver.requests.map((r) => r.id));

  first.child.kill('SIGKILL');
  await first.exited;
  c.disconnect();
  receiver.mode = 200;

  await start();
  await receiver.waitFor('the backlog delivered by the new node', () => channels.every(accepted), 15_000);
  assert.ok(receiver.requests.every((r) => r.valid));
  const delivered = receiver.accepted.filter((r) => r.rawBody.includes('"killed-'));
  assert.ok(
    delivered.every((r) => queuedBeforeKill.has(r.id)),
    'the new node sent the very batches the killed one had queued',
  );
});

test('CLI: dead letters are listed, replayed by id, and the running node delivers them with the same id', async () => {
  const queue = new RedisWebhookQueue({ url: REDIS_URL, prefix: PREFIX });
  const now = Date.now();
  const body = JSON.stringify({
    time_ms: now - 1000,
    events: [{ name: 'channel_occupied', channel: 'replayed' }],
  });
  const hook = receiver.url('/hook');
  // A batch like one that exhausted its window: same target key as the configured target.
  const target = targetKeys(TEST_APP.id, [{ url: hook, events: ['channel_occupied'] }])[0]!;
  const batch: WebhookBatch = {
    id: randomUUID(),
    appId: TEST_APP.id,
    target,
    url: hook,
    timeMs: now - 1000,
    body,
    events: 1,
    // Due far in the future, so the running node cannot take it before we dead-letter it.
    createdAt: now + 10_000_000,
    attempts: 7,
  };
  await queue.enqueue(batch);
  const [claim] = await queue.claim({ now: now + 10_000_000, max: 10, leaseMs: 60_000, busy: new Set() });
  assert.equal(claim?.batch.id, batch.id);
  await queue.deadLetter(claim!, 'retry window over: HTTP 500', now);

  const list = await cli(['webhooks', 'dead-letters']);
  assert.equal(list.code, 0, list.out);
  assert.match(list.out, new RegExp(batch.id));
  assert.match(list.out, /retry window over: HTTP 500/);
  const json = await cli(['webhooks', 'dead-letters', '--json']);
  assert.deepEqual(
    (JSON.parse(json.out) as { id: string }[]).map((d) => d.id),
    [batch.id],
  );

  const replay = await cli(['webhooks', 'replay', batch.id]);
  assert.equal(replay.code, 0, replay.out);
  assert.match(replay.out, /Re-queued 1 webhook batch/);
  await receiver.waitFor('the replayed batch', () => accepted('replayed'));
  const got = receiver.accepted.find((r) => r.events.some((e) => e.channel === 'replayed'))!;
  assert.equal(got.id, batch.id);
  assert.equal(got.valid, true);
  assert.equal(got.timeMs, now - 1000, 'time_ms stays the time the event happened');

  const empty = await cli(['webhooks', 'dead-letters']);
  assert.match(empty.out, /No dead-lettered webhook batches/);
  const unknown = await cli(['webhooks', 'replay', 'no-such-id']);
  assert.equal(unknown.code, 1);
  await queue.close();
});

test('CLI without Redis says there is nothing durable to list, exit code 2', async () => {
  const res = await cli(['webhooks', 'dead-letters'], {});
  assert.equal(res.code, 2);
  assert.match(res.out, /nothing to list or replay/);
  const replay = await cli(['webhooks', 'replay', '--all'], {});
  assert.equal(replay.code, 2);
});
