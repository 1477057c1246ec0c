/**
 * `ClientSocket` over a `ws` WebSocket. Prepared frames bypass ws's per-call framing and are written
 * to the TCP socket directly; frames for the same socket within one event-loop turn are coalesced into
 * one write (flush-queue.ts), joined once for every socket that was sent the same (frame-chain.ts).
 */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { ClientSocket } from './client-socket.js';
import { SendBound, scheduleFlush } from './flush-queue.js';
import { chainStats, FrameChain } from './frame-chain.js';
import type { PreparedFrame } from './ws-frame.js';

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
  readonly transport = 'ws';
  /** The frames sent to this socket this turn (shared with sockets sent the same), or null. */
  private pending: FrameChain | null = null;
  private readonly bound = new SendBound();
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
      this.pending = FrameChain.start(frame);
      scheduleFlush(this);
    } else {
      this.pending = this.pending.append(frame);
    }
  }

  flush(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending || !this.raw || this.ws.readyState !== WebSocket.OPEN) return;
    chainStats.writes++;
    // One write per socket and turn; sockets sent the same frames share one buffer (frame-chain.ts).
    const bytes = pending.bytes();
    this.raw.write(bytes);
    this.checkOverflow(bytes.length);
  }

  private checkOverflow(written: number): void {
    const buffered = this.bufferedBytes;
    if (this.bound.exceeded(buffered, written, this.policy.maxBuffered))
      this.policy.overflow(this.ws, buffered);
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
