/**
 * The durable webhook queue: batches live in Redis until a receiver answers 2xx or they are
 * dead-lettered, so they survive a restart (even SIGKILL) and any node can send them. A claim is a
 * lease: the batch is hidden from other nodes until the lease ends, and only the lease holder may
 * record a failure; a node that dies mid-send leaves the batch to be claimed again when it expires.
 */
import { randomUUID } from 'node:crypto';
import { createRedis, type RedisClient } from '../adapters/redis/connect.js';
import { CLAIM, DEAD_LETTER, RETRY, REVIVE } from './redis-scripts.js';
import type { TargetOutcome } from './target-health.js';
import {
  type Claim,
  type ClaimOptions,
  type DeadLetter,
  type PendingBatch,
  type ReplayOptions,
  revive,
  type WebhookBatch,
  type WebhookQueue,
} from './webhook-queue.js';

/** Due entries one CLAIM looks at: bounds the script's work when one busy target has a long backlog. */
const SCAN_LIMIT = 200;
/** Due entries the console's list of retries looks at. */
const RETRY_SCAN = 500;

interface Scripts {
  whClaim(...args: (string | number)[]): Promise<string[]>;
  whRetry(...args: (string | number)[]): Promise<number>;
  whDeadLetter(...args: (string | number)[]): Promise<number>;
  whRevive(...args: (string | number)[]): Promise<number>;
}

export interface RedisQueueOptions {
  url: string;
  /** Key prefix (the adapter's `prefix`); keys are `{<prefix>:webhooks}:…`. */
  prefix: string;
  /** Called with connection errors (the client reconnects by itself). */
  onError?: (err: Error) => void;
}

export class RedisWebhookQueue implements WebhookQueue {
  readonly durable = true;
  private readonly redis: RedisClient & Scripts;
  private readonly node = randomUUID();
  private tokens = 0;
  private readonly k: {
    due: string;
    batches: string;
    targets: string;
    leases: string;
    dead: string;
    deadOrder: string;
    outcomes: string;
  };

  constructor(options: RedisQueueOptions) {
    // Any deployment the adapter supports (standalone, Sentinel, Cluster): the keys share one hash tag.
    const redis = createRedis(options.url, 'durable');
    redis.on('error', (err: Error) => options.onError?.(err));
    redis.defineCommand('whClaim', { numberOfKeys: 4, lua: CLAIM });
    redis.defineCommand('whRetry', { numberOfKeys: 3, lua: RETRY });
    redis.defineCommand('whDeadLetter', { numberOfKeys: 6, lua: DEAD_LETTER });
    redis.defineCommand('whRevive', { numberOfKeys: 5, lua: REVIVE });
    this.redis = redis as RedisClient & Scripts;
    const base = `{${options.prefix}:webhooks}`;
    this.k = {
      due: `${base}:due`,
      batches: `${base}:batches`,
      targets: `${base}:targets`,
      leases: `${base}:leases`,
      dead: `${base}:dead`,
      deadOrder: `${base}:dead-order`,
      outcomes: `${base}:outcomes`,
    };
  }

  async enqueue(batch: WebhookBatch): Promise<void> {
    await this.redis
      .multi()
      .hset(this.k.batches, batch.id, JSON.stringify(batch))
      .hset(this.k.targets, batch.id, batch.target)
      .zadd(this.k.due, batch.createdAt, batch.id)
      .exec();
  }

  async claim({ now, max, leaseMs, busy }: ClaimOptions): Promise<Claim[]> {
    const token = `${this.node}:${++this.tokens}`;
    const k = this.k;
    const json = await this.redis.whClaim(
      k.due,
      k.batches,
      k.targets,
      k.leases,
      now,
      max,
      now + leaseMs,
      token,
      SCAN_LIMIT,
      ...busy,
    );
    return json.map((j) => ({ batch: JSON.parse(j) as WebhookBatch, token }));
  }

  async ack({ batch }: Claim): Promise<void> {
    await this.redis
      .multi()
      .zrem(this.k.due, batch.id)
      .hdel(this.k.batches, batch.id)
      .hdel(this.k.targets, batch.id)
      .hdel(this.k.leases, batch.id)
      .exec();
  }

  async retry({ batch, token }: Claim, at: number): Promise<void> {
    const k = this.k;
    await this.redis.whRetry(k.due, k.batches, k.leases, batch.id, token, JSON.stringify(batch), at);
  }

  async deadLetter({ batch, token }: Claim, reason: string, now: number): Promise<void> {
    const k = this.k;
    const dead: DeadLetter = { ...batch, reason, deadAt: now };
    await this.redis.whDeadLetter(
      k.due,
      k.batches,
      k.targets,
      k.leases,
      k.dead,
      k.deadOrder,
      batch.id,
      token,
      JSON.stringify(dead),
      now,
    );
  }

  async nextDue(): Promise<number | null> {
    const first = await this.redis.zrange(this.k.due, 0, 0, 'WITHSCORES');
    return first.length === 2 ? Number(first[1]) : null;
  }

  async size(): Promise<number> {
    return this.redis.zcard(this.k.due);
  }

  async retrying(limit: number): Promise<PendingBatch[]> {
    // The due set holds first tries too: look at a bounded head of it and keep the retries.
    const head = await this.redis.zrange(this.k.due, 0, RETRY_SCAN - 1, 'WITHSCORES');
    if (head.length === 0) return [];
    const ids = head.filter((_, i) => i % 2 === 0);
    const json = await this.redis.hmget(this.k.batches, ...ids);
    const out: PendingBatch[] = [];
    json.forEach((j, i) => {
      if (j === null || out.length >= limit) return;
      const batch = JSON.parse(j) as WebhookBatch;
      if (batch.attempts > 0) out.push({ batch, dueAt: Number(head[2 * i + 1]) });
    });
    return out;
  }

  async deadLetters(limit = -1): Promise<DeadLetter[]> {
    const ids = await this.redis.zrange(this.k.deadOrder, 0, limit < 0 ? -1 : limit - 1);
    if (ids.length === 0) return [];
    const json = await this.redis.hmget(this.k.dead, ...ids);
    return json.filter((j): j is string => j !== null).map((j) => JSON.parse(j) as DeadLetter);
  }

  async replay(ids: readonly string[] | 'all', options: ReplayOptions): Promise<number> {
    const chosen = ids === 'all' ? await this.redis.zrange(this.k.deadOrder, 0, -1) : [...ids];
    let n = 0;
    const k = this.k;
    for (const id of chosen) {
      const json = await this.redis.hget(k.dead, id);
      if (!json) continue;
      const batch = revive(JSON.parse(json) as DeadLetter, options);
      n += await this.redis.whRevive(
        k.dead,
        k.deadOrder,
        k.due,
        k.batches,
        k.targets,
        id,
        JSON.stringify(batch),
        batch.target,
        options.now,
      );
    }
    return n;
  }

  async recordOutcome(outcome: TargetOutcome): Promise<void> {
    await this.redis.hset(this.k.outcomes, outcome.target, JSON.stringify(outcome));
  }

  async outcomes(): Promise<TargetOutcome[]> {
    const all = await this.redis.hvals(this.k.outcomes);
    return all.map((j) => JSON.parse(j) as TargetOutcome);
  }

  async close(): Promise<void> {
    const quit = this.redis.quit().catch(() => undefined);
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([quit, timer]);
    this.redis.disconnect();
  }
}
