/**
 * pusher-js's HTTP fallbacks on Herald's port: `{pathPrefix}{path}/app/{key}/{server}/{session}/{kind}`
 * with kind `xhr_streaming` (a long response carrying lines), `xhr` (a long poll answered with one
 * batch) and `xhr_send` (the client's messages). Each session is one `Connection` behind the same
 * `ClientSocket` interface as a WebSocket, so channels, users and the hub never see the transport.
 *
 * Receive request: draining 503 → new-connection rate 429 → sessions per IP 429 → handshake (refusals
 * are `o`, pusher:error and a close line, as a WebSocket gets them) → quota → `o` + established.
 * Send request: unknown session 404 → body over the inbound limit 413 → not an array of strings 400 →
 * each message dispatched as a WebSocket frame would be → 204.
 *
 * A session is tied to this node (docs/deployment.md: sticky routing on the session path). Its
 * heartbeats and its timeout when no request comes back ride on the shared liveness sweep.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http-api/body.js';
import { sendHttpError } from '../http-api/http-error.js';
import type { NodeContext } from '../node-context.js';
import { HeraldError } from '../protocol/errors.js';
import { encodeError } from '../protocol/messages.js';
import { closeLine, OPEN_CHUNK, parseSendBody, unchunked } from '../transport/http-frame.js';
import { HttpSession, type HttpSessionPolicy } from '../transport/http-session.js';
import type { Connection } from './connection.js';
import { onMessage } from './dispatch.js';
import { checkHandshake } from './handshake.js';
import {
  closeConnection,
  inboundHardLimit,
  markSlowConsumer,
  openConnection,
  overQuota,
} from './lifecycle.js';
import type { RateLimiter } from './rate-limiter.js';
import { closeWith, truncateReason } from './wire-errors.js';

/**
 * How long a session may have no request in flight before it is closed (SockJS's disconnect delay).
 * pusher-js sends the next poll, or reopens a stream that grew past 256 KB, the moment the previous
 * request ends, and tells the server nothing when it disconnects: a session that stays without a
 * request is a closed tab, a disconnect() or a lost network. The activity timeout caps it when shorter.
 */
const DETACHED_GRACE_MS = 5_000;

/** pusher-js's server number and session id: digits and base-32 letters; anything odd is not ours. */
const ID_PART = /^[A-Za-z0-9_-]{1,32}$/;

const CORS = { 'Access-Control-Allow-Origin': '*' } as const;
const RECEIVE_HEADERS = {
  ...CORS,
  'Content-Type': 'application/javascript; charset=UTF-8',
  'Cache-Control': 'no-store, no-cache, no-transform, must-revalidate, max-age=0',
  // nginx would otherwise buffer the stream and deliver nothing until the buffer fills.
  'X-Accel-Buffering': 'no',
} as const;
const PREFLIGHT_HEADERS = {
  ...CORS,
  'Access-Control-Allow-Methods': 'OPTIONS, POST',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '31536000',
  'Content-Length': '0',
} as const;

interface Entry {
  readonly session: HttpSession;
  readonly conn: Connection;
  readonly ip: string;
}

export class HttpSessions {
  private readonly entries = new Map<string, Entry>();
  private readonly perIp = new Map<string, number>();
  private readonly cleanups = new Set<Promise<unknown>>();
  private readonly policy: HttpSessionPolicy;
  /** `{pathPrefix}{path}/app/`: every path this module answers starts with it. */
  private readonly base: string;
  private accepting = true;

  constructor(
    private readonly ctx: NodeContext,
    private readonly ipLimiter: RateLimiter,
    private readonly secure: boolean,
  ) {
    this.base = `${ctx.config.pathPrefix}${ctx.config.httpTransports.path}/app/`;
    const entries = this.entries;
    const self = this;
    this.policy = {
      maxBuffered: ctx.config.maxSocketBufferBytes,
      now: ctx.now,
      overflow(session, buffered) {
        const entry = entries.get(session.key);
        if (!entry || entry.conn.closed) return;
        markSlowConsumer(ctx, entry.conn, buffered);
        session.cut(4100, truncateReason(new HeraldError('slowConsumer').message));
      },
      ended(session, code) {
        self.ended(session, code);
      },
    };
  }

  /** Live sessions on this node (closed ones still owing their close line excluded). */
  get size(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.session.closed) n++;
    return n;
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  /** Answers the request when its path is one of the HTTP transports'; false leaves it to the API. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (!url.startsWith(this.base)) return false;
    const q = url.indexOf('?');
    const parts = url.slice(this.base.length, q < 0 ? undefined : q).split('/');
    const [appKey, server, id, kind] = parts;
    if (parts.length !== 4 || !ID_PART.test(server!) || !ID_PART.test(id!) || appKey === '') {
      answerError(req, res, new HeraldError('notFound', 'Not an HTTP transport path'));
      return true;
    }
    if (req.method === 'OPTIONS') {
      req.resume();
      res.writeHead(204, PREFLIGHT_HEADERS).end();
      return true;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'OPTIONS, POST');
      answerError(
        req,
        res,
        new HeraldError('methodNotAllowed', `${req.method} is not allowed here; use POST`),
      );
      return true;
    }
    const key = `${appKey}/${server}/${id}`;
    switch (kind) {
      case 'xhr_streaming':
        this.receive(req, res, key, true);
        return true;
      case 'xhr':
        this.receive(req, res, key, false);
        return true;
      case 'xhr_send':
        this.send(req, res, key);
        return true;
      default:
        answerError(req, res, new HeraldError('notFound', `Unknown HTTP transport: ${kind}`));
        return true;
    }
  }

  private receive(req: IncomingMessage, res: ServerResponse, key: string, streaming: boolean): void {
    req.resume();
    const entry = this.entries.get(key);
    if (entry) {
      const farewell = entry.session.takeFarewell();
      if (farewell !== null) {
        // A poll after the session closed: the client learns how (4100, 4201, …) and stops using it.
        this.entries.delete(key);
        res.writeHead(200, RECEIVE_HEADERS).end(farewell);
        return;
      }
      if (!entry.session.closed) {
        entry.conn.lastSeen = this.ctx.now();
        res.writeHead(200, RECEIVE_HEADERS);
        entry.session.attach(res, streaming);
        return;
      }
    }
    this.create(req, res, key, streaming).catch((err: unknown) => {
      this.ctx.clientLog.error(
        { ip: req.socket.remoteAddress ?? '' },
        { err },
        'HTTP transport handshake failed',
      );
      answerError(req, res, err);
    });
  }

  private async create(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    streaming: boolean,
  ): Promise<void> {
    const ctx = this.ctx;
    const ip = req.socket.remoteAddress ?? '';
    if (!this.accepting) {
      ctx.events.emit({ type: 'connection_refused', appKey: '', code: 503, ip });
      answerError(req, res, new HeraldError('notReady', 'Server is shutting down'));
      return;
    }
    const perSecond = ctx.config.rateLimits.connectionsPerIpPerSecond;
    if (perSecond > 0 && !this.ipLimiter.hit(ip, perSecond)) {
      ctx.events.emit({ type: 'connection_refused', appKey: '', code: 429, ip });
      answerError(req, res, new HeraldError('rateLimited', 'Too many connections from this address'));
      return;
    }
    const perIp = ctx.config.httpTransports.maxSessionsPerIp;
    if (perIp > 0 && (this.perIp.get(ip) ?? 0) >= perIp) {
      ctx.events.emit({ type: 'connection_refused', appKey: '', code: 429, ip });
      answerError(req, res, new HeraldError('rateLimited', `Over ${perIp} HTTP sessions from this address`));
      return;
    }
    const appKey = key.slice(0, key.indexOf('/'));
    const q = (req.url ?? '').indexOf('?');
    const url = new URL(
      `${ctx.config.pathPrefix}/app/${appKey}${q < 0 ? '' : (req.url ?? '').slice(q)}`,
      'http://localhost',
    );
    const counts = { node: ctx.hub.connectionCount, app: (id: string) => ctx.hub.appConnectionCount(id) };
    const result = await checkHandshake(ctx.config, ctx.apps, url, this.secure, counts);
    let error = result.ok ? null : result.error;
    if (result.ok && overQuota(ctx, result.app)) error = new HeraldError('overQuota');
    if (error || !result.ok) {
      const e = error ?? new HeraldError('internal');
      ctx.events.emit({ type: 'connection_refused', appKey, code: e.close ?? 0, ip });
      // What a refused WebSocket gets: the error, then the close code pusher-js acts on (4001: give up…).
      const body = Buffer.concat([
        unchunked(OPEN_CHUNK),
        Buffer.from(`a${JSON.stringify([encodeError(e.code, e.message)])}\n`),
        closeLine(e.close ?? 4009, truncateReason(e.message)),
      ]);
      res.writeHead(200, RECEIVE_HEADERS).end(body);
      return;
    }
    if (this.entries.has(key)) {
      // The same session id raced itself through the app lookup; the first one stands.
      answerError(req, res, new HeraldError('badRequest', 'Session already open'));
      return;
    }
    const session = new HttpSession(key, streaming ? 'xhr_streaming' : 'xhr_polling', this.policy);
    const conn = openConnection(ctx, result.app, session, ip);
    this.entries.set(key, { session, conn, ip });
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    res.writeHead(200, RECEIVE_HEADERS);
    session.attach(res, streaming);
  }

  private send(req: IncomingMessage, res: ServerResponse, key: string): void {
    const entry = this.entries.get(key);
    if (!entry || entry.session.closed) {
      answerError(req, res, new HeraldError('notFound', 'Session not found'));
      return;
    }
    const limits = {
      maxBytes: inboundHardLimit(this.ctx.config),
      timeoutMs: this.ctx.config.httpBodyTimeout * 1000,
    };
    readBody(req, limits)
      .then(({ bytes }) => {
        const messages = parseSendBody(bytes);
        const { conn } = entry;
        const ctx = this.ctx;
        conn.lastSeen = ctx.now();
        // `[]` is pusher-js's heartbeat: the timestamp above is all it asks for.
        for (const text of messages) {
          if (conn.closed) break;
          if (ctx.events.wants('message_in')) {
            ctx.events.emit({ type: 'message_in', appId: conn.app.id, bytes: Buffer.byteLength(text) });
          }
          onMessage(ctx, conn, text);
        }
        res.writeHead(204, CORS).end();
      })
      .catch((err: unknown) => answerError(req, res, err));
  }

  private ended(session: HttpSession, code: number): void {
    const entry = this.entries.get(session.key);
    if (!entry || entry.session !== session) return;
    // A session owing its close line stays (closed) until a poll takes it or the sweep drops it.
    if (session.farewell === null) this.entries.delete(session.key);
    const n = (this.perIp.get(entry.ip) ?? 1) - 1;
    if (n > 0) this.perIp.set(entry.ip, n);
    else this.perIp.delete(entry.ip);
    const cleanup = closeConnection(this.ctx, entry.conn, code);
    if (cleanup) {
      this.cleanups.add(cleanup);
      cleanup.finally(() => this.cleanups.delete(cleanup));
    }
  }

  /**
   * One pass of the shared liveness sweep: a heartbeat on requests quiet for heartbeatInterval (keeps
   * proxies and the client's activity check happy), a close for sessions no request came back to, and
   * closed sessions whose close line nobody collected are forgotten.
   */
  sweep(now: number): void {
    const heartbeatMs = this.ctx.config.httpTransports.heartbeatInterval * 1000;
    const graceMs = Math.min(DETACHED_GRACE_MS, this.ctx.config.activityTimeout * 1000);
    for (const [key, { session, conn }] of this.entries) {
      if (session.closed) {
        if (now - session.closedAt >= graceMs) this.entries.delete(key);
      } else if (session.attached) {
        if (now - session.lastWrite >= heartbeatMs) session.ping();
      } else if (now - session.detachedAt >= graceMs) {
        closeWith(conn, 'pongTimeout', 'No request for this HTTP session');
      }
    }
  }

  /** Shutdown: ends every remaining session and waits for their membership cleanup. */
  async closeAll(): Promise<void> {
    for (const { session } of this.entries.values()) session.terminate();
    await new Promise((r) => setImmediate(r));
    this.entries.clear();
    await Promise.all([...this.cleanups]);
  }
}

function answerError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  req.resume();
  for (const [k, v] of Object.entries(CORS)) res.setHeader(k, v);
  sendHttpError(res, err);
}
