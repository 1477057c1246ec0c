/**
 * One shared setImmediate flushes every socket that queued frames during this event-loop turn, so
 * frames for one socket leave in one write and no socket owns a timer.
 */

export interface Flushable {
  flush(): void;
}

const dirty: Flushable[] = [];
let scheduled = false;
/**
 * Most of one turn's flushing: past it the remaining sockets are flushed in the next turn, so a wave of
 * traffic to thousands of sockets (a presence storm's member_added to every member) does not hold the
 * event loop for one write per socket in a single turn. Their frames stay queued, in order.
 */
const FLUSH_BUDGET_MS = 20;

function flushAll(): void {
  scheduled = false;
  // Sockets dirtied during the flush (e.g. by a close) are picked up by the next turn.
  const batch = dirty.splice(0, dirty.length);
  const deadline = performance.now() + FLUSH_BUDGET_MS;
  for (let i = 0; i < batch.length; i++) {
    batch[i]!.flush();
    // The clock is read every 8 sockets: a small write costs a microsecond or two, the clock tens of
    // nanoseconds; a presence snapshot of thousands of members is hundreds of KB, about a millisecond
    // to write on loopback, and 64 of them overran the budget fourfold.
    if ((i & 7) === 7 && i + 1 < batch.length && performance.now() > deadline) {
      const rest = batch.slice(i + 1);
      for (const s of dirty) rest.push(s);
      dirty.length = 0;
      for (const s of rest) dirty.push(s);
      break;
    }
  }
  if (dirty.length > 0 && !scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

/** Flushes `s` at the end of this turn; call once per turn per socket (when its queue goes non-empty). */
export function scheduleFlush(s: Flushable): void {
  dirty.push(s);
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
