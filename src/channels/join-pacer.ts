/**
 * Spreads presence joins over event-loop turns. A join costs O(members): a snapshot copy for the joiner
 * and a member_added to every member. Thousands of joins arriving together (a room opening, a reconnect
 * wave) would otherwise all run in the turn that read them, and a health probe or a publish waits for
 * all of them (issue 11: 23 s for 5,000). Joins run at once while the current turn has spent less than
 * `budgetMs`; past that they queue, and each later turn runs queued joins for at most `budgetMs`, so
 * I/O (probes, publishes, the flush of what the joins queued) is served in between.
 *
 * One pacer per process: the budget is the event loop's, whichever node or channel the joins are for.
 */
import { performance } from 'node:perf_hooks';

export class JoinPacer {
  private readonly queue: (() => void)[] = [];
  /** When the current turn's first join ran; -1 until one runs (reset by the next check phase). */
  private turnStart = -1;
  private draining = false;

  constructor(private readonly budgetMs = 15) {}

  /** Joins waiting for a later turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * null when the join may run now; otherwise a promise that resolves in a later turn. The caller must
   * do its O(members) part synchronously after that (the pacer measures the time up to its next await).
   */
  admit(): Promise<void> | null {
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
    while (this.queue.length > 0 && performance.now() - start < this.budgetMs) {
      this.queue.shift()!();
      // Lets the released join run up to its next await before the clock is read again.
      await null;
    }
    this.draining = false;
    if (this.queue.length > 0) this.schedule();
  }
}

/** The process's pacer. */
export const joinPacer = new JoinPacer();
