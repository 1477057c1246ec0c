/**
 * WH-05: `channel_vacated` and `member_removed` wait `delayMs`; a re-occupy or re-join of the same key
 * within that time cancels both the waiting event and the one that cancelled it.
 *
 * The delay is the same for every entry, so insertion order is due order: one FIFO and one timer
 * serve every pending event, and cancelling is a map delete.
 */

interface Pending<T> {
  key: string;
  dueAt: number;
  value: T;
  cancelled: boolean;
}

export class DelayedEvents<T> {
  private readonly fifo: Pending<T>[] = [];
  private head = 0;
  private readonly byKey = new Map<string, Pending<T>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly delayMs: number,
    private readonly release: (value: T) => void,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Holds `value` for the delay. A key already held keeps its first value (the earliest time). */
  hold(key: string, value: T): void {
    if (this.byKey.has(key)) return;
    const entry: Pending<T> = { key, dueAt: this.now() + this.delayMs, value, cancelled: false };
    this.fifo.push(entry);
    this.byKey.set(key, entry);
    this.arm();
  }

  /** Cancels a held event; true when there was one (the caller then drops its own event too). */
  cancel(key: string): boolean {
    const entry = this.byKey.get(key);
    if (!entry) return false;
    entry.cancelled = true;
    this.byKey.delete(key);
    return true;
  }

  /** Releases everything still held, now (shutdown: nobody on this node can rejoin any more). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.drain(Number.POSITIVE_INFINITY);
  }

  private arm(): void {
    if (this.timer) return;
    const first = this.fifo[this.head];
    if (!first) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.drain(this.now());
        this.arm();
      },
      Math.max(0, first.dueAt - this.now()),
    );
    this.timer.unref();
  }

  private drain(until: number): void {
    while (this.head < this.fifo.length) {
      const entry = this.fifo[this.head]!;
      if (entry.dueAt > until) break;
      this.head++;
      if (entry.cancelled) continue;
      this.byKey.delete(entry.key);
      this.release(entry.value);
    }
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
  }
}
