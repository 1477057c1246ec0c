/**
 * Server liveness (WS-14) and authorized-connection deadlines (UA-11) with one shared sweep instead of
 * a timer per connection. A connection silent for longer than the activity timeout gets a WebSocket
 * ping frame; if nothing at all arrives within the pong timeout it is closed with 4201.
 */
import type { HeraldConfig } from '../config/config.js';
import { authorizationOverdue, shortestAuthorizationTimeout } from '../users/authorized-connections.js';
import type { Connection } from './connection.js';
import { closeWith } from './wire-errors.js';

/** Something else with timed duties (HTTP-transport heartbeats and timeouts) riding on the same timer. */
export interface Sweepable {
  sweep(now: number): void;
}

export class LivenessSweep {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: HeraldConfig,
    private readonly connections: () => Iterable<Connection>,
    private readonly now: () => number,
    private readonly others: readonly Sweepable[] = [],
  ) {}

  start(): void {
    // Sweep often enough to be accurate to a fraction of the shortest timeout.
    const shortest = Math.min(
      this.config.activityTimeout,
      this.config.pongTimeout,
      shortestAuthorizationTimeout(this.config.apps),
    );
    const interval = Math.max(250, Math.min(5000, (shortest * 1000) / 4));
    this.timer = setInterval(() => this.sweep(), interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  sweep(): void {
    const now = this.now();
    const idleMs = this.config.activityTimeout * 1000;
    const pongMs = this.config.pongTimeout * 1000;
    for (const conn of this.connections()) {
      if (conn.closed) continue;
      if (conn.closeCode !== undefined) {
        // Closed by the server at least one full sweep ago and still not gone: a dead or stuck peer never
        // answers the close frame, and waiting out ws's 30 s close timeout would keep its presence
        // membership, watchlist status and quota slot. A healthy peer answers within milliseconds.
        if (conn.closeSeen) conn.socket.terminate();
        else conn.closeSeen = true;
        continue;
      }
      if (conn.pingSentAt > 0) {
        // `>=`: on loopback the answer often lands in the very millisecond the ping left; the ping is only
        // sent when lastSeen is older than that, so equality means a fresh frame.
        if (conn.lastSeen >= conn.pingSentAt) conn.pingSentAt = 0;
        else if (now - conn.pingSentAt >= pongMs) {
          closeWith(conn, 'pongTimeout');
          // Nothing came back for a whole pong timeout: no need to wait another sweep for the close frame.
          conn.closeSeen = true;
          continue;
        }
      } else if (now - conn.lastSeen >= idleMs) {
        conn.pingSentAt = now;
        conn.socket.ping();
      }
      if (authorizationOverdue(conn, now)) {
        closeWith(conn, 'authTimeout');
      }
    }
    for (const other of this.others) other.sweep(now);
  }
}
