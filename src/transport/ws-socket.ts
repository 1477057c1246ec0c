/**
 * `ClientSocket` over a `ws` WebSocket. Prepared frames bypass ws's per-call framing and are written
 * to the TCP socket directly; frames for the same socket within one event-loop turn are coalesced into
 * one write. One shared setImmediate flushes every dirty socket.
 */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { ClientSocket } from './client-socket.js';
import type { PreparedFrame } from './ws-frame.js';

const dirty: WsClientSocket[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // Sockets dirtied during the flush (e.g. by a close) are picked up by the next turn.
  const batch = dirty.splice(0, dirty.length);
  for (const s of batch) s.flush();
}

function scheduleFlush(s: WsClientSocket): void {
  dirty.push(s);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

/**
 * What every socket of one server shares: the send-buffer bound and what to do past it. One object per
 * server rather than a closure per connection keeps an idle connection small.
 */
export interface SocketPolicy {
  readonly maxBuffered: number;
  /** Called once the bytes queued for `ws` exceed `maxBuffered`; expected to disconnect it. */
  overflow(ws: WebSocket, buffered: number): void;
}

export class WsClientSocket implements ClientSocket {
  private pending: Buffer[] | null = null;
  /** Bytes of one oversized frame still allowed in the buffer beyond the bound (see checkOverflow). */
  private allowance = 0;
  /** Raw TCP socket when frames can be pre-built (no per-message compression negotiated). */
  private readonly raw: Socket | null;

  constructor(
    private readonly ws: WebSocket,
    private readonly policy: SocketPolicy,
  ) {
    // ws keeps its socket in a private field; reaching it lets one frame serve every recipient.
    const internals = ws as unknown as { _socket?: Socket; _extensions?: Record<string, unknown> };
    const compressed = internals._extensions !== undefined && 'permessage-deflate' in internals._extensions;
    this.raw = compressed ? null : (internals._socket ?? null);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedBytes(): number {
    return this.raw ? this.raw.writableLength : this.ws.bufferedAmount;
  }

  send(frame: PreparedFrame): void {
    if (!this.raw) {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      this.ws.send(frame.text);
      this.checkOverflow(frame.bytes.length);
      return;
    }
    // No state check here: flush() checks once per socket and turn, and drops frames for a socket
    // that closed in between.
    if (this.pending === null) {
      this.pending = [frame.bytes];
      scheduleFlush(this);
    } else {
      this.pending.push(frame.bytes);
    }
  }

  flush(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending || !this.raw || this.ws.readyState !== WebSocket.OPEN) return;
    // One copy into one buffer is cheaper than a writev of many small chunks (each chunk costs the
    // stream a bookkeeping object and the kernel an iovec).
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    this.raw.write(bytes);
    this.checkOverflow(bytes.length);
  }

  /**
   * One frame larger than the bound (a big presence snapshot: 10,000 members of 1 KB is 10 MB) is not
   * a slow reader: it may sit in the buffer on top of the bound until it drained. Only bytes piling up
   * beyond that allowance close the socket.
   */
  private checkOverflow(written: number): void {
    const buffered = this.bufferedBytes;
    const max = this.policy.maxBuffered;
    if (buffered - written <= max) this.allowance = 0;
    if (written > max && written > this.allowance) this.allowance = written;
    if (buffered > max + this.allowance) this.policy.overflow(this.ws, buffered);
  }

  close(code: number, reason: string): void {
    this.flush();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
