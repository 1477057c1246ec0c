/**
 * What every transport does when a client connection opens and closes, so a client on the HTTP
 * fallbacks is the same citizen as one on a WebSocket: one socket id, the same handshake frame, the
 * same hub entry, the same cleanup and the same server events.
 */
import { leaveAll } from '../channels/subscribe.js';
import type { AppConfig, HeraldConfig } from '../config/config.js';
import type { NodeContext } from '../node-context.js';
import { encodeConnectionEstablished } from '../protocol/messages.js';
import { newSocketId } from '../protocol/socket-id.js';
import type { ClientSocket } from '../transport/client-socket.js';
import { signout } from '../users/signin.js';
import { Connection } from './connection.js';
import { frameLimits } from './frame-limits.js';

/**
 * The largest inbound message a transport reads at all (src/connections/frame-limits.ts). Messages
 * above maxFrameBytes get a polite pusher:error from the dispatcher; larger ones are refused by the
 * transport (1009, HTTP 413).
 */
export function inboundHardLimit(config: HeraldConfig): number {
  return frameLimits(config.maxFrameBytes).maxPayload;
}

/** Quotas are checked again at open: other handshakes may have completed while the app lookup ran. */
export function overQuota(ctx: NodeContext, app: AppConfig): boolean {
  return app.limits.maxConnections > 0 && ctx.hub.appConnectionCount(app.id) >= app.limits.maxConnections;
}

/** Registers a new connection on `socket` and sends pusher:connection_established. */
export function openConnection(
  ctx: NodeContext,
  app: AppConfig,
  socket: ClientSocket,
  ip: string,
): Connection {
  const socketId = newSocketId();
  const conn = new Connection(socketId, app, socket, ctx.now(), ip);
  ctx.hub.addConnection(conn);
  conn.sendText(encodeConnectionEstablished(socketId, ctx.config.activityTimeout));
  ctx.events.emit({ type: 'connection_opened', appId: app.id, socketId, ip, transport: socket.transport });
  return conn;
}

/**
 * Forgets a connection whose socket is gone: leaves its channels and signs it out. Returns the
 * membership cleanup so shutdown can wait for it, or null when the connection was already closed.
 */
export function closeConnection(
  ctx: NodeContext,
  conn: Connection,
  code: number,
  reason?: string,
): Promise<unknown> | null {
  if (conn.closed) return null;
  conn.closed = true;
  ctx.hub.removeConnection(conn);
  const cleanup = Promise.all([leaveAll(ctx, conn), signout(ctx, conn)]).catch((err: unknown) =>
    ctx.clientLog.error(conn, { err, socketId: conn.socketId }, 'cleanup after close failed'),
  );
  ctx.events.emit({
    type: 'connection_closed',
    appId: conn.app.id,
    socketId: conn.socketId,
    code: conn.closeCode ?? code,
    durationMs: ctx.now() - conn.openedAt,
    ...(conn.closeReason !== undefined || reason ? { reason: conn.closeReason ?? reason } : {}),
    ip: conn.ip,
    transport: conn.socket.transport,
  });
  return cleanup;
}

/** A reader that fell too far behind: counted, and closed with the back-off code (4100) by its transport. */
export function markSlowConsumer(ctx: NodeContext, conn: Connection, bufferedBytes: number): void {
  ctx.events.emit({
    type: 'slow_consumer',
    appId: conn.app.id,
    socketId: conn.socketId,
    bufferedBytes,
    ip: conn.ip,
  });
  // The code the close event reports (metrics, logs), whatever the transport does with the socket.
  conn.closeCode = 4100;
  conn.closeReason = 'slow consumer';
}
