/**
 * One shared setImmediate flushes every socket that queued frames during this event-loop turn, so
 * frames for one socket leave in one write and no socket owns a timer.
 */

export interface Flushable {
  flush(): void;
}

/**
 * Most of one turn's flushing: past it the remaining sockets are flushed in the next turn, so a wave of
 * traffic to thousands of sockets (a presence storm's member_added to every member) does not hold the
 * event loop for one write per socket in a single turn. Their frames stay queued, in order.
 */
export const FLUSH_BUDGET_MS = 10;
/** Flushed slots at the front worth moving the rest over (below it the array is simply reused). */
export const COMPACT_AFTER = 4096;

/**
 * Sockets to flush, in the order they were dirtied: `queue[head..tail)`. Slots are reused from turn to
 * turn, so a storm touching thousands of sockets per turn allocates no array per turn (splicing and
 * regrowing one was most of the flush's garbage, and a young-generation collection ran every few turns).
 * The clock and the turn are parameters so that the budget can be tested without a real storm.
 */
export class FlushQueue {
  private readonly queue: (Flushable | undefined)[] = [];
  private head = 0;
  private tail = 0;
  private scheduled = false;
  private readonly run = () => this.flushAll();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly nextTurn: (fn: () => void) => void = setImmediate,
  ) {}

  /** Sockets waiting for a flush. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Slots the queue holds (flushed ones included): bounded by the largest backlog, not by traffic. */
  get slots(): number {
    return this.queue.length;
  }

  /** Flushes `s` at the end of this turn; call once per turn per socket (when its queue goes non-empty). */
  schedule(s: Flushable): void {
    this.queue[this.tail++] = s;
    if (!this.scheduled) {
      this.scheduled = true;
      this.nextTurn(this.run);
    }
  }

  private flushAll(): void {
    this.scheduled = false;
    const { queue, head } = this;
    // Sockets dirtied during the flush (e.g. by a close) wait for the next turn.
    const end = this.tail;
    const deadline = this.now() + FLUSH_BUDGET_MS;
    let i = head;
    while (i < end) {
      const s = queue[i]!;
      queue[i] = undefined;
      i++;
      s.flush();
      // The clock is read every 8 sockets: a small write costs a microsecond or two, the clock tens of
      // nanoseconds; a presence snapshot of thousands of members is hundreds of KB, about a millisecond
      // to write on loopback, and 64 of them overran the budget fourfold.
      if (((i - head) & 7) === 0 && i < end && this.now() > deadline) break;
    }
    this.head = i;
    if (i === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (i >= COMPACT_AFTER && i * 2 >= this.tail) {
      // Most of the array is flushed slots: move the rest to the front (amortised O(1) per socket).
      queue.copyWithin(0, i, this.tail);
      queue.fill(undefined, this.tail - i, this.tail);
      this.tail -= i;
      this.head = 0;
    }
    if (this.head < this.tail && !this.scheduled) {
      this.scheduled = true;
      this.nextTurn(this.run);
    }
  }
}

const shared = new FlushQueue();

/** Flushes `s` at the end of this turn, with every other socket dirtied in it (one queue per process). */
export function scheduleFlush(s: Flushable): void {
  shared.schedule(s);
}

/**
 * The send-buffer bound both transports apply. One frame larger than the bound (a big presence
 * snapshot: 10,000 members of 1 KB is 10 MB) is not a slow reader: it may sit in the buffer on top of
 * the bound until it drained. Only bytes piling up beyond that allowance mean the reader fell behind.
 */
export class SendBound {
  private allowance = 0;

  /** After writing `written` bytes with `buffered` now pending: true when the reader is too slow. */
  exceeded(buffered: number, written: number, max: number): boolean {
    if (buffered - written <= max) this.allowance = 0;
    if (written > max && written > this.allowance) this.allowance = written;
    return buffered > max + this.allowance;
  }
}
