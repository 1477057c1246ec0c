/**
 * One shared setImmediate flushes every socket that queued frames during this event-loop turn, so
 * frames for one socket leave in one write and no socket owns a timer.
 */

export interface Flushable {
  flush(): void;
}

const dirty: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  // Sockets dirtied during the flush (e.g. by a close) are picked up by the next turn.
  const batch = dirty.splice(0, dirty.length);
  for (const s of batch) s.flush();
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
