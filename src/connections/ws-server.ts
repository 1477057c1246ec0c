/**
 * The WebSocket side of a node: upgrade → handshake checks → connection established → messages →
 * close. Listeners are module-level functions that find their connection through a back-reference,
 * so a connection costs no closures.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { NodeContext } from '../node-context.js';
import { HeraldError } from '../protocol/errors.js';
import { encodeError } from '../protocol/messages.js';
import { type SocketPolicy, WsClientSocket } from '../transport/ws-socket.js';
import type { Connection } from './connection.js';
import { onMessage } from './dispatch.js';
import { drainInBatches } from './drain.js';
import { frameLimits } from './frame-limits.js';
import { checkHandshake } from './handshake.js';
import { closeConnection, markSlowConsumer, openConnection, overQuota } from './lifecycle.js';
import type { RateLimiter } from './rate-limiter.js';
import { closeWith, truncateReason } from './wire-errors.js';

const kConn = Symbol('herald.connection');
const kCtx = Symbol('herald.context');
const kServer = Symbol('herald.server');
type TaggedSocket = WebSocket & { [kConn]?: Connection; [kCtx]?: NodeContext; [kServer]?: WsServer };

// Binary frames are decoded as UTF-8 like text ones (WS-16's recommendation, as soketi and sockudo do):
// a client library that sends JSON in binary frames works, and garbage meets the JSON parser's error.
function onWsMessage(this: TaggedSocket, data: RawData): void {
  const conn = this[kConn];
  const ctx = this[kCtx];
  if (!conn || !ctx || conn.closed) return;
  conn.lastSeen = ctx.now();
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8');
  if (ctx.events.wants('message_in')) {
    ctx.events.emit({ type: 'message_in', appId: conn.app.id, bytes: Buffer.byteLength(text) });
  }
  onMessage(ctx, conn, text);
}

function onWsActivity(this: TaggedSocket): void {
  const conn = this[kConn];
  const ctx = this[kCtx];
  if (conn && ctx) conn.lastSeen = ctx.now();
}

function onWsError(this: TaggedSocket): void {
  // ws emits 'close' after 'error'; cleanup happens there.
}

function onWsClose(this: TaggedSocket, code: number, reason: Buffer): void {
  this[kServer]?.forget(this);
  const conn = this[kConn];
  const ctx = this[kCtx];
  if (!conn || !ctx) return;
  const cleanup = closeConnection(ctx, conn, code, reason.toString());
  if (cleanup) this[kServer]?.track(cleanup);
}

export class WsServer {
  private readonly wss: WebSocketServer;
  private accepting = true;
  private readonly cleanups = new Set<Promise<unknown>>();
  private readonly sockets = new Set<WebSocket>();
  /** Shared by every socket of this server: the send-buffer bound and the slow-consumer cut. */
  private readonly policy: SocketPolicy;

  constructor(
    private readonly ctx: NodeContext,
    private readonly ipLimiter: RateLimiter,
  ) {
    const limits = frameLimits(ctx.config.maxFrameBytes);
    this.wss = new WebSocketServer({
      noServer: true,
      // Messages above maxFrameBytes get a polite pusher:error; past these the socket is cut (1009, 1008).
      maxPayload: limits.maxPayload,
      maxFragments: limits.maxFragments,
      perMessageDeflate: ctx.config.perMessageDeflate,
      clientTracking: false,
    });
    this.policy = {
      maxBuffered: ctx.config.maxSocketBufferBytes,
      overflow(ws: WebSocket, buffered: number) {
        const conn = (ws as TaggedSocket)[kConn];
        if (!conn || conn.closed) return;
        // The close frame queues behind what is already buffered, and nothing more is queued after it
        // (sends stop once the socket is closing), so memory stays at the bound. A reader that catches
        // up sees 4100 and backs off as pusher-js does; one that never reads again is cut by the
        // liveness sweep, which terminates server-closed peers after one full sweep.
        markSlowConsumer(ctx, conn, buffered);
        ws.close(4100, truncateReason(new HeraldError('slowConsumer').message));
      },
    };
  }

  /** Stop accepting upgrades (draining). */
  stopAccepting(): void {
    this.accepting = false;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
    const ip = req.socket.remoteAddress ?? '';
    const limit = this.ctx.config.rateLimits.connectionsPerIpPerSecond;
    if (!this.accepting) {
      this.ctx.events.emit({ type: 'connection_refused', appKey: '', code: 503, ip });
      rejectUpgrade(socket, 503, 'Server is shutting down');
      return;
    }
    if (limit > 0 && !this.ipLimiter.hit(ip, limit)) {
      // Refused before the upgrade, so the "code" is the HTTP status rather than a close code.
      this.ctx.events.emit({ type: 'connection_refused', appKey: '', code: 429, ip });
      rejectUpgrade(socket, 429, 'Too many connections from this address');
      return;
    }
    // A leading `//` (pusher-js with `wsPath: '/'`) would otherwise be read as a host name.
    const url = new URL((req.url ?? '/').replace(/^\/{2,}/, '/'), 'http://localhost');
    const counts = {
      node: this.ctx.hub.connectionCount,
      app: (appId: string) => this.ctx.hub.appConnectionCount(appId),
    };
    checkHandshake(this.ctx.config, this.ctx.apps, url, secure, counts).then(
      (result) => {
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          if (result.ok) this.open(ws as TaggedSocket, result.app, ip);
          else refuse(ws, result.error, this.ctx, url, ip);
        });
      },
      (err: unknown) => {
        this.ctx.clientLog.error({ ip }, { err }, 'handshake failed');
        rejectUpgrade(socket, 500, 'Internal error');
      },
    );
  }

  private open(ws: TaggedSocket, app: Connection['app'], ip: string): void {
    const ctx = this.ctx;
    if (overQuota(ctx, app)) {
      refuse(ws, new HeraldError('overQuota'), ctx, null, ip);
      return;
    }
    const conn = openConnection(ctx, app, new WsClientSocket(ws, this.policy), ip);
    ws[kConn] = conn;
    ws[kCtx] = ctx;
    ws[kServer] = this;
    this.sockets.add(ws);
    ws.on('message', onWsMessage);
    ws.on('ping', onWsActivity);
    ws.on('pong', onWsActivity);
    ws.on('error', onWsError);
    ws.on('close', onWsClose);
  }

  /** Every open connection gets 4200, spread over `windowMs` so clients do not reconnect all at once. */
  async drain(windowMs: number): Promise<void> {
    await drainInBatches([...this.ctx.hub.allConnections()], windowMs, (conn) => {
      if (!conn.closed) closeWith(conn, 'reconnect');
    });
  }

  /** Keeps a close's membership cleanup in view so shutdown can wait for it. */
  track(cleanup: Promise<unknown>): void {
    this.cleanups.add(cleanup);
    cleanup.finally(() => this.cleanups.delete(cleanup));
  }

  forget(ws: WebSocket): void {
    this.sockets.delete(ws);
  }

  /** Waits until every socket has closed (or `timeoutMs` passed, then cuts the rest) and cleanups ran. */
  async closeAll(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const ws of this.sockets) ws.terminate();
    while (this.sockets.size > 0 && Date.now() < deadline + 1000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all([...this.cleanups]);
  }

  close(): void {
    this.wss.close();
  }
}

function refuse(ws: WebSocket, error: HeraldError, ctx: NodeContext, url: URL | null, ip: string): void {
  const key = url?.pathname.split('/').pop() ?? '';
  ctx.events.emit({ type: 'connection_refused', appKey: key, code: error.close ?? 0, ip });
  ws.send(encodeError(error.code, error.message));
  ws.close(error.close ?? 4009, truncateReason(error.message));
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : 'Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
