/**
 * Where `channel_vacated` / `member_removed` wait out the WH-05 delay. In memory by default (a re-join
 * cancels only on the same node); in Redis when the queue is, so a client that reconnects to another node
 * still cancels the held event, and held events outlive a restart.
 */

import { DelayedEvents } from './delayed-events.js';
import type { WebhookSource } from './payload.js';

export interface Held {
  event: WebhookSource;
  /** When it happened: the `time_ms` it is sent with. */
  at: number;
}

export interface HeldEvents {
  /** Holds `held` for the delay under `key`, then hands it to the release callback. */
  hold(key: string, held: Held): void;
  /** Cancels the event held under `key`; true when there was one (the caller drops its own event too). */
  cancel(key: string): boolean | Promise<boolean>;
  /** Shutdown: memory releases everything now; Redis leaves them for the other nodes or the next start. */
  close(): Promise<void>;
}

export class MemoryHeldEvents implements HeldEvents {
  private readonly delayed: DelayedEvents<Held>;

  constructor(delayMs: number, release: (held: Held) => void, now: () => number) {
    this.delayed = new DelayedEvents<Held>(delayMs, release, now);
  }

  hold(key: string, held: Held): void {
    this.delayed.hold(key, held);
  }

  cancel(key: string): boolean {
    return this.delayed.cancel(key);
  }

  async close(): Promise<void> {
    this.delayed.flush();
  }
}
