/**
 * One client connection's state. Behaviour lives in the handlers (src/channels, src/users); this
 * class only owns what belongs to the connection: its signed-in user, its clocks. Its subscriptions are
 * the channel registry's (src/channels/registry.ts).
 */
import type { AppConfig } from '../config/config.js';
import type { ClientSocket } from '../transport/client-socket.js';
import { type PreparedFrame, prepareFrame } from '../transport/ws-frame.js';

export interface SignedInUser {
  readonly id: string;
  readonly info: unknown;
  readonly watchlist: readonly string[];
}

export class Connection {
  user: SignedInUser | null = null;
  /** Milliseconds timestamp of the last inbound frame of any kind. */
  lastSeen: number;
  /** When a liveness ping was sent and is still unanswered, else 0. */
  pingSentAt = 0;
  /** Signed in or joined a private/presence channel (authorized connections, UA-11). */
  authorized = false;
  closed = false;
  /** Close code the server decided on; it stands even when the socket is cut before the close handshake. */
  closeCode: number | undefined = undefined;
  /** The reason sent with `closeCode`. */
  closeReason: string | undefined = undefined;
  /** The liveness sweep has seen this connection closing once: the next sweep cuts it (see LivenessSweep). */
  closeSeen = false;
  /** Client-event rate window: start time and count. */
  rateWindowStart = 0;
  rateCount = 0;
  /** Inbound messages waiting while an asynchronous handler runs, so order is kept per connection. */
  inbox: string[] | null = null;
  /** Size of `inbox` as counted by the dispatcher's budget. */
  inboxBytes = 0;
  busy = false;

  constructor(
    readonly socketId: string,
    /** Replaced in place when the app changes in its store (limits apply to the next event). */
    public app: AppConfig,
    readonly socket: ClientSocket,
    readonly openedAt: number,
    readonly ip: string,
  ) {
    this.lastSeen = openedAt;
  }

  send(frame: PreparedFrame): void {
    this.socket.send(frame);
  }

  /** Sends a frame built for this connection alone. */
  sendText(text: string): void {
    this.socket.send(prepareFrame(text));
  }
}
