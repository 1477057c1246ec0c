/**
 * The narrow view the domain has of a client transport. Nothing outside src/transport imports `ws`
 * or knows how a transport frames its bytes.
 */
import type { PreparedFrame } from './ws-frame.js';

/** How a client reached us: a WebSocket, or pusher-js's HTTP fallbacks. A label for metrics and logs. */
export type TransportName = 'ws' | 'xhr_streaming' | 'xhr_polling';

export interface ClientSocket {
  readonly transport: TransportName;
  /** Queues a prepared frame; frames queued within one event-loop turn leave in one write. */
  send(frame: PreparedFrame): void;
  /** Sends any pending frames, then closes with a WebSocket close code. */
  close(code: number, reason: string): void;
  /** Asks the client for a sign of life (a WebSocket ping frame, an HTTP heartbeat; WS-14). */
  ping(): void;
  /** Drops the connection without waiting for the close handshake (a peer that answers nothing). */
  terminate(): void;
  /** Bytes accepted but not yet handed to the kernel. */
  readonly bufferedBytes: number;
}
