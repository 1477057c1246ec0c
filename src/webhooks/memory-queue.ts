/**
 * The default webhook queue: a min-heap of batches by due time in this process. Everything in it,
 * dead letters included, is lost when the process stops; use the Redis queue to keep it.
 */

import type { TargetOutcome } from './target-health.js';
import type {
  Claim,
  ClaimOptions,
  DeadLetter,
  PendingBatch,
  ReplayOptions,
  WebhookBatch,
  WebhookQueue,
} from './webhook-queue.js';
import { revive } from './webhook-queue.js';

/** Dead letters kept in memory at most; the oldest go first. */
export const MEMORY_DEAD_LETTER_LIMIT = 1000;
const SCAN_LIMIT = 1000;

interface Entry {
  dueAt: number;
  seq: number;
  batch: WebhookBatch;
}

export class MemoryWebhookQueue implements WebhookQueue {
  readonly durable = false;
  private readonly heap: Entry[] = [];
  private readonly inFlight = new Map<string, WebhookBatch>();
  private readonly dead = new Map<string, DeadLetter>();
  private readonly latest = new Map<string, TargetOutcome>();
  private seq = 0;

  async enqueue(batch: WebhookBatch): Promise<void> {
    this.push(batch, batch.createdAt);
  }

  async claim({ now, max, busy }: ClaimOptions): Promise<Claim[]> {
    const out: Claim[] = [];
    const skipped: Entry[] = [];
    const taken = new Set(busy);
    while (out.length < max && this.heap.length > 0 && this.heap[0]!.dueAt <= now) {
      const entry = this.pop()!;
      if (taken.has(entry.batch.target)) {
        skipped.push(entry);
        // A long backlog for one busy target must not make every claim walk all of it.
        if (skipped.length >= SCAN_LIMIT) break;
        continue;
      }
      taken.add(entry.batch.target);
      this.inFlight.set(entry.batch.id, entry.batch);
      out.push({ batch: entry.batch, token: '' });
    }
    for (const e of skipped) this.insert(e);
    return out;
  }

  async ack(claim: Claim): Promise<void> {
    this.inFlight.delete(claim.batch.id);
  }

  async retry(claim: Claim, at: number): Promise<void> {
    if (!this.inFlight.delete(claim.batch.id)) return;
    this.push(claim.batch, at);
  }

  async deadLetter(claim: Claim, reason: string, now: number): Promise<void> {
    if (!this.inFlight.delete(claim.batch.id)) return;
    this.dead.set(claim.batch.id, { ...claim.batch, reason, deadAt: now });
    if (this.dead.size > MEMORY_DEAD_LETTER_LIMIT) {
      const oldest = this.dead.keys().next().value;
      if (oldest !== undefined) this.dead.delete(oldest);
    }
  }

  async nextDue(): Promise<number | null> {
    return this.heap[0]?.dueAt ?? null;
  }

  async size(): Promise<number> {
    return this.heap.length + this.inFlight.size;
  }

  async retrying(limit: number): Promise<PendingBatch[]> {
    return this.heap
      .filter((e) => e.batch.attempts > 0)
      .sort((a, b) => (this.less(a, b) ? -1 : 1))
      .slice(0, limit)
      .map((e) => ({ batch: e.batch, dueAt: e.dueAt }));
  }

  async deadLetters(limit = Number.POSITIVE_INFINITY): Promise<DeadLetter[]> {
    return [...this.dead.values()].slice(0, limit);
  }

  async replay(ids: readonly string[] | 'all', options: ReplayOptions): Promise<number> {
    const chosen = ids === 'all' ? [...this.dead.keys()] : ids;
    let n = 0;
    for (const id of chosen) {
      const dead = this.dead.get(id);
      if (!dead) continue;
      this.dead.delete(id);
      this.push(revive(dead, options), options.now);
      n++;
    }
    return n;
  }

  async recordOutcome(outcome: TargetOutcome): Promise<void> {
    this.latest.set(outcome.target, outcome);
  }

  async outcomes(): Promise<TargetOutcome[]> {
    return [...this.latest.values()];
  }

  async close(): Promise<void> {}

  private push(batch: WebhookBatch, dueAt: number): void {
    this.insert({ dueAt, seq: this.seq++, batch });
  }

  // Binary min-heap ordered by (dueAt, seq): equal due times keep insertion order.
  private less(a: Entry, b: Entry): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
  }

  private insert(entry: Entry): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
