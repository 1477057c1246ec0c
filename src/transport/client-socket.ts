/**
 * The narrow view the domain has of a client transport. Nothing outside src/transport imports `ws`.
 */
import type { PreparedFrame } from './ws-frame.js';

export interface ClientSocket {
  /** Queues a prepared frame; frames queued within one event-loop turn leave in one write. */
  send(frame: PreparedFrame): void;
  /** Sends any pending frames, then closes with a WebSocket close code. */
  close(code: number, reason: string): void;
  /** Sends a WebSocket ping frame (server liveness, WS-14). */
  ping(): void;
  /** Drops the connection without waiting for the close handshake (a peer that answers nothing). */
  terminate(): void;
  /** Bytes accepted but not yet handed to the kernel. */
  readonly bufferedBytes: number;
  readonly open: boolean;
}
