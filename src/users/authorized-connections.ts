/**
 * Authorized connections (UA-11): with the per-app switch on, a connection that neither signs in nor
 * joins a private/presence channel within `authorizedConnectionsTimeout` seconds is closed with 4009.
 * Checked by the shared liveness sweep, never by a timer per connection.
 */
import type { AppConfig } from '../config/config.js';
import type { Connection } from '../connections/connection.js';

/** True when the connection's app wants authorization and its deadline has passed. */
export function authorizationOverdue(conn: Connection, now: number): boolean {
  const app = conn.app;
  return (
    app.authorizedConnections &&
    !conn.authorized &&
    now - conn.openedAt >= app.authorizedConnectionsTimeout * 1000
  );
}

/** The shortest authorization deadline among apps that use it, in seconds, or Infinity. */
export function shortestAuthorizationTimeout(apps: readonly AppConfig[]): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const app of apps) {
    if (app.authorizedConnections) shortest = Math.min(shortest, app.authorizedConnectionsTimeout);
  }
  return shortest;
}
