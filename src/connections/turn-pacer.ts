/**
 * Spreads bursts of inbound work over event-loop turns. Thousands of frames arriving together (a room
 * opening, a reconnect wave) are all read in one poll phase; handled there, each with its parse, its
 * signature check and, for a presence join, O(members) of snapshot and member_added work, they would
 * keep a health probe or a publish waiting for all of them (issue 11: 23 s for 5,000 joins).
 *
 * Work runs at once while the current turn has spent less than `budgetMs`; past that it queues, and
 * each later turn runs queued work for at most `budgetMs`, so I/O (probes, publishes, the flush of what
 * the work queued) is served in between. Two places ask: the dispatch of a connection's inbound frame
 * (src/connections/dispatch.ts) and a presence join once it is authorized (src/channels/subscribe.ts),
 * which may come back from an await in a later, busy turn.
 *
 * One pacer per process: the budget is the event loop's, whichever connection or channel asks.
 */
import { performance } from 'node:perf_hooks';

export class TurnPacer {
  private readonly queue: (() => void)[] = [];
  /** When the current turn's first admission was asked; -1 until then (reset by the next check phase). */
  private turnStart = -1;
  private draining = false;
  /** True while a drain runs released work: what that work admits runs in the drain's budget. */
  private releasing = false;

  constructor(private readonly budgetMs = 8) {}

  /** Work waiting for a later turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * null when the work may run now; otherwise a promise that resolves in a later turn. The caller must
   * do its part synchronously after that (the pacer measures the time up to its next await).
   */
  admit(): Promise<void> | null {
    if (this.releasing) return null;
    if (this.queue.length === 0 && !this.spent()) return null;
    const turn = new Promise<void>((resolve) => this.queue.push(resolve));
    this.schedule();
    return turn;
  }

  private spent(): boolean {
    const now = performance.now();
    if (this.turnStart < 0) {
      this.turnStart = now;
      setImmediate(() => {
        this.turnStart = -1;
      });
      return false;
    }
    return now - this.turnStart > this.budgetMs;
  }

  private schedule(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    const start = performance.now();
    this.releasing = true;
    while (this.queue.length > 0 && performance.now() - start < this.budgetMs) {
      this.queue.shift()!();
      // Lets the released work run up to its next await before the clock is read again.
      await null;
    }
    this.releasing = false;
    this.draining = false;
    if (this.queue.length > 0) this.schedule();
  }
}

/** The process's pacer. */
export const turnPacer = new TurnPacer();
