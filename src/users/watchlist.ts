/**
 * Watchlist events (UA-08) in the one format pusher-js understands:
 * `pusher_internal:watchlist_events` with `{"events":[{"name":"online"|"offline","user_ids":[...]}]}`.
 * Transitions are cluster-wide (the adapter's user index decides first/last socket) and travel as
 * `watchlist` envelopes; the hub hands them to the local watchers of that user.
 */
import type { Connection } from '../connections/connection.js';
import type { NodeContext } from '../node-context.js';
import { encodeWatchlistEvents, type WatchlistEvent } from '../protocol/messages.js';

/** Tells every watcher, on every node, that `userId` went online (first socket) or offline (last socket). */
export function announce(ctx: NodeContext, appId: string, userId: string, online: boolean): void {
  ctx.adapter.broadcast({ kind: 'watchlist', appId, userId, online });
}

/** Right after sign-in: the current status of every watched id, online first, in one frame. */
export async function sendCurrentStatus(ctx: NodeContext, conn: Connection): Promise<void> {
  const user = conn.user;
  if (!conn.app.watchlistEvents || !user || user.watchlist.length === 0) return;
  const online = new Set(await ctx.adapter.onlineUsers(conn.app.id, user.watchlist));
  if (conn.closed) return;
  const on = user.watchlist.filter((id) => online.has(id));
  const off = user.watchlist.filter((id) => !online.has(id));
  const events: WatchlistEvent[] = [];
  if (on.length > 0) events.push({ name: 'online', user_ids: on });
  if (off.length > 0) events.push({ name: 'offline', user_ids: off });
  conn.sendText(encodeWatchlistEvents(events));
}
