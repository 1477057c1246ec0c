/**
 * Webhooks for one node: dispatcher (event stream → batches) → queue → deliverer (HTTP). Built by the
 * composition root; the queue is injectable, Redis-backed when a Redis URL is configured.
 */
import type { AppConfig, HeraldConfig } from '../config/config.js';
import type { ServerEvents } from '../events/server-events.js';
import type { Logger } from '../logging/logger.js';
import { Batcher } from './batcher.js';
import { Deliverer } from './deliverer.js';
import { type AppTargets, indexTargets, WebhookDispatcher } from './dispatcher.js';
import { type Held, type HeldEvents, MemoryHeldEvents } from './held-events.js';
import { MemoryWebhookQueue } from './memory-queue.js';
import { RedisHeldEvents } from './redis-held-events.js';
import { RedisWebhookQueue } from './redis-queue.js';
import { WebhookSender } from './sender.js';
import type { WebhookBatch, WebhookQueue } from './webhook-queue.js';

/** Batches kept in memory while the queue refuses them (Redis down); older ones are dropped past it. */
const MAX_UNQUEUED = 10_000;
const REQUEUE_MS = 1000;

export function defaultWebhookQueue(config: HeraldConfig, logger: Logger): WebhookQueue {
  const url = config.adapter.redisUrl;
  if (!url) return new MemoryWebhookQueue();
  let lastLog = 0;
  return new RedisWebhookQueue({
    url,
    prefix: config.adapter.prefix,
    onError: (err) => {
      // ioredis reports every reconnect attempt; one line per 10 s is enough.
      if (Date.now() - lastLog < 10_000) return;
      lastLog = Date.now();
      logger.warn({ err: err.message }, 'webhook queue: Redis connection error');
    },
  });
}

export interface WebhooksOptions {
  config: HeraldConfig;
  /** The apps known at start; later ones arrive through `setApp`. */
  apps: readonly AppConfig[];
  /** Apps may gain webhook targets later (a database store): prepare for every kind. */
  dynamicApps: boolean;
  events: ServerEvents;
  queue: WebhookQueue;
  logger: Logger;
  now: () => number;
  userAgent: string;
}

export class Webhooks {
  readonly queue: WebhookQueue;
  private readonly dispatcher: WebhookDispatcher;
  private readonly batcher: Batcher;
  private readonly deliverer: Deliverer;
  private readonly sender: WebhookSender;
  private readonly unqueued: WebhookBatch[] = [];
  private requeueTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<Promise<void>>();
  private readonly logger: Logger;
  /** Targets by app id, shared by the dispatcher (next event) and the deliverer (next batch). */
  private readonly apps: Map<string, AppTargets>;

  constructor(private readonly options: WebhooksOptions) {
    const { config, events, queue, logger, now } = options;
    this.queue = queue;
    this.logger = logger;
    const apps = indexTargets(options.apps);
    this.apps = apps;
    this.sender = new WebhookSender(options.userAgent);
    this.deliverer = new Deliverer(
      queue,
      this.sender,
      (appId, key) => {
        const entry = apps.get(appId);
        const found = entry?.targets.find((t) => t.key === key);
        return entry && found ? { app: entry.app, target: found.target } : undefined;
      },
      config.webhooks,
      events,
      logger,
      now,
    );
    this.batcher = new Batcher(
      config.webhooks.batchSize,
      config.webhooks.batchWindowMs,
      (batch) => this.enqueue(batch),
      now,
    );
    const delayMs = config.webhooks.delayMs;
    const redisUrl = config.adapter.redisUrl;
    const held4 = [
      'channel_occupied',
      'channel_vacated',
      'member_added',
      'member_removed',
      'user_online',
      'user_offline',
    ] as const;
    const holds =
      options.dynamicApps ||
      options.apps.some((a) => a.webhooks.some((t) => held4.some((n) => t.events.includes(n))));
    // Held events are shared only when the queue is: both live in the same Redis.
    const held = (release: (h: Held) => void, delayMs: number): HeldEvents =>
      redisUrl && queue.durable && holds
        ? new RedisHeldEvents({
            url: redisUrl,
            prefix: config.adapter.prefix,
            delayMs,
            release,
            now,
            onError: (err) => this.warnRedis(err),
          })
        : new MemoryHeldEvents(delayMs, release, now);
    this.dispatcher = new WebhookDispatcher(apps, this.batcher, delayMs, now, held);
    this.dispatcher.attach(events);
  }

  /** An app's targets changed (or it is gone): the next event and the next batch use the new ones. */
  setApp(id: string, app: AppConfig | undefined): void {
    const next = app ? indexTargets([app]).get(id) : undefined;
    if (next) this.apps.set(id, next);
    else this.apps.delete(id);
    if (next) this.dispatcher.retarget();
  }

  /** Starts delivering what the queue already holds (a durable queue's backlog from before a restart). */
  start(): void {
    this.deliverer.wake();
  }

  /** Moves dead letters back to the queue (see `WebhookQueue.replay`) and sends them. */
  async replay(ids: readonly string[] | 'all', restamp = false): Promise<number> {
    const n = await this.queue.replay(ids, { now: this.options.now(), restamp });
    if (n > 0) this.deliverer.wake();
    return n;
  }

  /**
   * Shutdown: held and open batches are queued now; with the in-memory queue, due batches get one
   * more chance to go out (bounded by the request timeout) since nothing else will send them.
   */
  async close(): Promise<void> {
    await this.dispatcher.detach();
    this.batcher.flush();
    await Promise.allSettled([...this.pending]);
    if (this.requeueTimer) clearTimeout(this.requeueTimer);
    await this.requeue();
    if (!this.queue.durable) {
      this.deliverer.wake();
      const deadline = this.options.now() + this.options.config.webhooks.timeoutMs + 1000;
      while (this.options.now() < deadline) {
        const next = await this.queue.nextDue();
        if (!this.deliverer.busy && (next === null || next > this.options.now())) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await this.deliverer.stop();
    if (!this.queue.durable) {
      const lost = await this.queue.size();
      if (lost > 0) this.logger.warn({ batches: lost }, 'undelivered webhooks lost: the queue is in memory');
    }
    this.sender.close();
    await this.queue.close();
  }

  private lastRedisWarn = 0;

  private warnRedis(err: Error): void {
    if (Date.now() - this.lastRedisWarn < 10_000) return;
    this.lastRedisWarn = Date.now();
    this.logger.warn({ err: err.message }, 'webhook held events: Redis error');
  }

  private enqueue(batch: WebhookBatch): void {
    const p = this.queue.enqueue(batch).then(
      () => this.deliverer.wake(),
      (err: unknown) => {
        this.logger.warn({ err, id: batch.id }, 'webhook batch not queued yet; will retry');
        this.hold(batch);
      },
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private hold(batch: WebhookBatch): void {
    this.unqueued.push(batch);
    if (this.unqueued.length > MAX_UNQUEUED) {
      const dropped = this.unqueued.shift()!;
      this.logger.error({ id: dropped.id, app: dropped.appId }, 'webhook batch dropped: queue unavailable');
      this.options.events.emit({
        type: 'webhook',
        appId: dropped.appId,
        outcome: 'dead_lettered',
        events: dropped.events,
      });
    }
    if (!this.requeueTimer) {
      this.requeueTimer = setTimeout(() => {
        this.requeueTimer = null;
        void this.requeue();
      }, REQUEUE_MS);
      this.requeueTimer.unref();
    }
  }

  private async requeue(): Promise<void> {
    const batches = this.unqueued.splice(0);
    for (const batch of batches) {
      try {
        await this.queue.enqueue(batch);
      } catch {
        this.hold(batch);
      }
    }
    if (batches.length > 0) this.deliverer.wake();
  }
}
