/**
 * One contract for every `WebhookQueue`, run against the in-memory queue and a real Redis; then what
 * only the shared Redis queue promises: leases between nodes and survival across connections.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryWebhookQueue } from '../../src/webhooks/memory-queue.js';
import { RedisWebhookQueue } from '../../src/webhooks/redis-queue.js';
import type { WebhookBatch, WebhookQueue } from '../../src/webhooks/webhook-queue.js';

const REDIS_URL = process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefixes: string[] = [];
/** Closed in `after` too, so a failing assertion cannot leave a Redis connection holding the process. */
const open: WebhookQueue[] = [];

function batch(target: string, createdAt: number, n = 1): WebhookBatch {
  const events = Array.from({ length: n }, (_, i) => ({ name: 'channel_occupied', channel: `c${i}` }));
  return {
    id: randomUUID(),
    appId: 'app-id',
    target,
    url: 'http://127.0.0.1:1/x',
    timeMs: createdAt,
    body: JSON.stringify({ time_ms: createdAt, events }),
    events: n,
    createdAt,
    attempts: 0,
  };
}

function redisQueue(prefix = `herald-test-${randomUUID()}`): RedisWebhookQueue {
  prefixes.push(prefix);
  const q = new RedisWebhookQueue({ url: REDIS_URL, prefix });
  open.push(q);
  return q;
}

const noBusy = new Set<string>();

after(async () => {
  await Promise.all(open.map((q) => q.close()));
  // Only our own keys: every test prefix is unique.
  const redis = new Redis(REDIS_URL);
  for (const p of prefixes) {
    const base = `{${p}:webhooks}`;
    await redis.del(
      ...['due', 'batches', 'targets', 'leases', 'dead', 'dead-order', 'held', 'held-due'].map(
        (k) => `${base}:${k}`,
      ),
    );
  }
  await redis.quit();
});

const implementations: [string, () => WebhookQueue][] = [
  ['memory', () => new MemoryWebhookQueue()],
  ['redis', () => redisQueue()],
];

for (const [name, make] of implementations) {
  describe(`WebhookQueue contract: ${name}`, () => {
    test('a claimed batch is hidden until acked, then gone', async () => {
      const q = make();
      const t0 = Date.now();
      const b = batch('t1', t0);
      await q.enqueue(b);
      assert.equal(await q.size(), 1);
      const [claim, ...rest] = await q.claim({ now: t0, max: 10, leaseMs: 60_000, busy: noBusy });
      assert.equal(rest.length, 0);
      assert.deepEqual(claim?.batch, b);
      assert.deepEqual(await q.claim({ now: t0 + 1, max: 10, leaseMs: 60_000, busy: noBusy }), []);
      await q.ack(claim!);
      assert.equal(await q.size(), 0);
      assert.equal(await q.nextDue(), null);
      await q.close();
    });

    test('one batch per target per claim, none for busy targets, oldest first', async () => {
      const q = make();
      const t0 = Date.now();
      const a1 = batch('a', t0);
      const a2 = batch('a', t0 + 1);
      const b1 = batch('b', t0 + 2);
      const c1 = batch('c', t0 + 3);
      for (const x of [a1, a2, b1, c1]) await q.enqueue(x);
      const claims = await q.claim({ now: t0 + 10, max: 10, leaseMs: 60_000, busy: new Set(['c']) });
      assert.deepEqual(
        claims.map((c) => c.batch.id),
        [a1.id, b1.id],
      );
      await q.ack(claims[0]!);
      const next = await q.claim({ now: t0 + 10, max: 10, leaseMs: 60_000, busy: new Set(['b']) });
      assert.deepEqual(
        next.map((c) => c.batch.id),
        [a2.id, c1.id],
      );
      await q.close();
    });

    test('retry keeps the updated batch and hides it until its time', async () => {
      const q = make();
      const t0 = Date.now();
      await q.enqueue(batch('t', t0));
      const [claim] = await q.claim({ now: t0, max: 1, leaseMs: 60_000, busy: noBusy });
      claim!.batch.attempts = 1;
      claim!.batch.lastError = 'HTTP 500';
      await q.retry(claim!, t0 + 5000);
      assert.equal(await q.nextDue(), t0 + 5000);
      assert.deepEqual(await q.claim({ now: t0 + 4999, max: 1, leaseMs: 60_000, busy: noBusy }), []);
      const [again] = await q.claim({ now: t0 + 5000, max: 1, leaseMs: 60_000, busy: noBusy });
      assert.equal(again?.batch.id, claim!.batch.id);
      assert.equal(again?.batch.attempts, 1);
      assert.equal(again?.batch.lastError, 'HTTP 500');
      await q.close();
    });

    test('dead letters are listed with their reason and replayed with the same id and a new window', async () => {
      const q = make();
      const t0 = Date.now() - 600_000;
      const b = batch('t', t0, 2);
      await q.enqueue(b);
      const [claim] = await q.claim({ now: t0, max: 1, leaseMs: 60_000, busy: noBusy });
      await q.deadLetter(claim!, 'retry window over: HTTP 500', t0 + 300_000);
      assert.equal(await q.size(), 0);
      const dead = await q.deadLetters();
      assert.equal(dead.length, 1);
      assert.equal(dead[0]?.id, b.id);
      assert.equal(dead[0]?.reason, 'retry window over: HTTP 500');
      assert.equal(dead[0]?.deadAt, t0 + 300_000);
      const now = Date.now();
      assert.equal(await q.replay([b.id, 'missing'], { now, restamp: true }), 1);
      assert.deepEqual(await q.deadLetters(), []);
      const [replayed] = await q.claim({ now, max: 1, leaseMs: 60_000, busy: noBusy });
      assert.equal(replayed?.batch.id, b.id);
      assert.equal(replayed?.batch.attempts, 0);
      assert.equal(replayed?.batch.createdAt, now);
      const body = JSON.parse(replayed!.batch.body) as { time_ms: number; events: unknown[] };
      assert.equal(body.time_ms, now);
      assert.equal(body.events.length, 2);
      assert.equal(await q.replay('all', { now }), 0);
      await q.close();
    });
  });
}

describe('Redis queue across nodes', () => {
  test('two nodes claiming at once never get the same batch', async () => {
    const prefix = `herald-test-${randomUUID()}`;
    const n1 = redisQueue(prefix);
    const n2 = redisQueue(prefix);
    const t0 = Date.now();
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const b = batch(`target-${i}`, t0);
      ids.add(b.id);
      await n1.enqueue(b);
    }
    const claimed: string[] = [];
    for (let round = 0; round < 10; round++) {
      const [x, y] = await Promise.all([
        n1.claim({ now: t0, max: 3, leaseMs: 60_000, busy: noBusy }),
        n2.claim({ now: t0, max: 3, leaseMs: 60_000, busy: noBusy }),
      ]);
      claimed.push(...x.map((c) => c.batch.id), ...y.map((c) => c.batch.id));
    }
    assert.equal(claimed.length, 40);
    assert.equal(new Set(claimed).size, 40);
    assert.deepEqual(new Set(claimed), ids);
    await n1.close();
    await n2.close();
  });

  test('an expired lease lets another node take the batch; the old holder can no longer reschedule it', async () => {
    const prefix = `herald-test-${randomUUID()}`;
    const n1 = redisQueue(prefix);
    const n2 = redisQueue(prefix);
    const t0 = Date.now();
    await n1.enqueue(batch('t', t0));
    const [stale] = await n1.claim({ now: t0, max: 1, leaseMs: 100, busy: noBusy });
    assert.deepEqual(await n2.claim({ now: t0 + 99, max: 1, leaseMs: 100, busy: noBusy }), []);
    const [fresh] = await n2.claim({ now: t0 + 100, max: 1, leaseMs: 60_000, busy: noBusy });
    assert.equal(fresh?.batch.id, stale?.batch.id);
    // The node that lost its lease reports a failure: ignored, the new holder keeps the batch.
    await n1.retry(stale!, t0 + 200);
    await n1.deadLetter(stale!, 'late', t0 + 200);
    assert.deepEqual(await n1.deadLetters(), []);
    assert.equal(await n1.nextDue(), t0 + 100 + 60_000);
    await n2.ack(fresh!);
    assert.equal(await n1.size(), 0);
    await n1.close();
    await n2.close();
  });

  test('batches outlive the connection (and the process) that queued them', async () => {
    const prefix = `herald-test-${randomUUID()}`;
    const first = redisQueue(prefix);
    const t0 = Date.now();
    const b = batch('t', t0);
    await first.enqueue(b);
    await first.close();
    const second = redisQueue(prefix);
    const [claim] = await second.claim({ now: t0, max: 1, leaseMs: 1000, busy: noBusy });
    assert.deepEqual(claim?.batch, b);
    await second.close();
  });
});
