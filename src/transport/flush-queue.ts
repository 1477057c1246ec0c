/**
 * One shared setImmediate flushes every socket that queued frames during this event-loop turn, so
 * frames for one socket leave in one write and no socket owns a timer.
 */

export interface Flushable {
  flush(): void;
}

/**
 * Sockets to flush, in the order they were dirtied: `queue[head..tail)`. Slots are reused from turn to
 * turn, so a storm touching thousands of sockets per turn allocates no array per turn (splicing and
 * regrowing one was most of the flush's garbage, and a young-generation collection ran every few turns).
 */
const queue: (Flushable | undefined)[] = [];
let head = 0;
let tail = 0;
let scheduled = false;
/**
 * Most of one turn's flushing: past it the remaining sockets are flushed in the next turn, so a wave of
 * traffic to thousands of sockets (a presence storm's member_added to every member) does not hold the
 * event loop for one write per socket in a single turn. Their frames stay queued, in order.
 */
const FLUSH_BUDGET_MS = 10;

function flushAll(): void {
  scheduled = false;
  // Sockets dirtied during the flush (e.g. by a close) wait for the next turn.
  const end = tail;
  const deadline = performance.now() + FLUSH_BUDGET_MS;
  let i = head;
  while (i < end) {
    const s = queue[i]!;
    queue[i] = undefined;
    i++;
    s.flush();
    // The clock is read every 8 sockets: a small write costs a microsecond or two, the clock tens of
    // nanoseconds; a presence snapshot of thousands of members is hundreds of KB, about a millisecond
    // to write on loopback, and 64 of them overran the budget fourfold.
    if (((i - head) & 7) === 0 && i < end && performance.now() > deadline) break;
  }
  head = i;
  if (head === tail) {
    head = 0;
    tail = 0;
  } else if (head >= 4096 && head * 2 >= tail) {
    // Most of the array is flushed slots: move the rest to the front (amortised O(1) per socket).
    queue.copyWithin(0, head, tail);
    queue.fill(undefined, tail - head, tail);
    tail -= head;
    head = 0;
  }
  if (head < tail && !scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

/** Flushes `s` at the end of this turn; call once per turn per socket (when its queue goes non-empty). */
export function scheduleFlush(s: Flushable): void {
  queue[tail++] = s;
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
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
