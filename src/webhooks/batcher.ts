/**
 * Groups events per target into batches of at most `size` events or `windowMs` of waiting (Pusher:
 * 20 events / 250 ms), then seals each into a signed-body-ready `WebhookBatch`. One timer per target
 * with an open batch, never one per event.
 */
import { randomUUID } from 'node:crypto';
import { type WebhookEvent, webhookBody } from './payload.js';
import type { WebhookBatch } from './webhook-queue.js';

interface Open {
  appId: string;
  url: string;
  events: WebhookEvent[];
  /** When the oldest event happened: the batch's `time_ms`. */
  firstAt: number;
  timer: NodeJS.Timeout | null;
}

export class Batcher {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly size: number,
    private readonly windowMs: number,
    private readonly seal: (batch: WebhookBatch) => void,
    private readonly now: () => number,
  ) {}

  add(appId: string, target: string, url: string, event: WebhookEvent, happenedAt: number): void {
    let batch = this.open.get(target);
    if (!batch) {
      batch = { appId, url, events: [], firstAt: happenedAt, timer: null };
      this.open.set(target, batch);
      batch.timer = setTimeout(() => this.flushTarget(target), this.windowMs);
      batch.timer.unref();
    }
    batch.events.push(event);
    if (happenedAt < batch.firstAt) batch.firstAt = happenedAt;
    if (batch.events.length >= this.size) this.flushTarget(target);
  }

  /** Seals every open batch now (shutdown). */
  flush(): void {
    for (const target of [...this.open.keys()]) this.flushTarget(target);
  }

  private flushTarget(target: string): void {
    const open = this.open.get(target);
    if (!open) return;
    this.open.delete(target);
    if (open.timer) clearTimeout(open.timer);
    this.seal({
      id: randomUUID(),
      appId: open.appId,
      target,
      url: open.url,
      timeMs: open.firstAt,
      body: webhookBody(open.firstAt, open.events),
      events: open.events.length,
      createdAt: Math.min(open.firstAt, this.now()),
      attempts: 0,
    });
  }
}
