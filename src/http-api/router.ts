/**
 * HTTP requests of a node: health endpoints and the Pusher HTTP API. Lifecycle of an API request:
 * route → app (404) → declared body size (413) → signature of the query (401) → enabled (403) →
 * rate (429) → body read within its size and deadline (413/408) → body_md5 (401) → JSON (400) →
 * handler (400/413) → 200. Nothing of the body is read before the signature holds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/config.js';
import type { FdExhaustion } from '../connections/fd-limit.js';
import type { RateLimiter } from '../connections/rate-limiter.js';
import type { NodeContext } from '../node-context.js';
import { HeraldError, isHeraldError } from '../protocol/errors.js';
import { terminateUser } from '../users/terminate.js';
import { checkDeclaredLength, parseJsonObject, readBody } from './body.js';
import { getChannel, getUsers, listChannels } from './channels.js';
import { idempotent, triggerBatch, triggerEvent } from './events.js';
import { getHistory } from './history.js';
import { sendHttpError, sendJson } from './http-error.js';
import { type ApiQuery, parseTarget } from './query.js';
import { verifyApiSignature, verifyBodyMd5 } from './verify-signature.js';

type Route =
  | { name: 'events'; method: 'POST' }
  | { name: 'batch_events'; method: 'POST' }
  | { name: 'channels'; method: 'GET' }
  | { name: 'channel'; method: 'GET'; channel: string }
  | { name: 'users'; method: 'GET'; channel: string }
  | { name: 'history'; method: 'GET'; channel: string }
  | { name: 'terminate'; method: 'POST'; userId: string };

function matchRoute(rest: string[]): Route | null {
  const [a, b, c, d] = rest;
  if (rest.length === 1 && a === 'events') return { name: 'events', method: 'POST' };
  if (rest.length === 1 && a === 'batch_events') return { name: 'batch_events', method: 'POST' };
  if (rest.length === 1 && a === 'channels') return { name: 'channels', method: 'GET' };
  if (rest.length === 2 && a === 'channels') return { name: 'channel', method: 'GET', channel: b! };
  if (rest.length === 3 && a === 'channels' && c === 'users')
    return { name: 'users', method: 'GET', channel: b! };
  if (rest.length === 3 && a === 'channels' && c === 'history')
    return { name: 'history', method: 'GET', channel: b! };
  if (rest.length === 3 && a === 'users' && c === 'terminate_connections' && d === undefined) {
    return { name: 'terminate', method: 'POST', userId: b! };
  }
  return null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HeraldError('badRequest', 'Malformed percent-encoding in path');
  }
}

/**
 * The app a request resolved to. Events carry only looked-up ids, never the one typed in the path,
 * so metrics labels cannot be inflated by requests for made-up apps.
 */
interface Seen {
  appId: string | null;
}

export interface HttpApiOptions {
  /** Readiness beyond the adapter: false while draining. */
  isReady(): boolean;
  apiLimiter: RateLimiter;
  /** The node's descriptor exhaustion while it lasts (src/connections/fd-limit.ts), else null. */
  fileDescriptors?(): FdExhaustion | null;
}

export class HttpApi {
  constructor(
    private readonly ctx: NodeContext,
    private readonly opts: HttpApiOptions,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const { path: fullPath, query } = parseTarget(req.url ?? '/');
    const prefix = this.ctx.config.pathPrefix;
    let path = fullPath;
    // Strip only a whole leading segment: `/pusherapps/...` is not under the prefix `/pusher`.
    if (prefix && (path === prefix || path.startsWith(`${prefix}/`))) path = path.slice(prefix.length) || '/';

    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/' || path === '/health') {
        sendJson(res, 200, { ok: true });
        return;
      }
      if (path === '/ready') {
        // Out of descriptors the node cannot accept what a load balancer sends it: not ready, and why.
        const fds = this.opts.fileDescriptors?.() ?? null;
        if (fds) {
          sendJson(res, 503, { ready: false, fileDescriptors: fds });
          return;
        }
        // Degraded (Redis out of reach) stays 200: the node still serves its own clients, and every node
        // of the cluster is hit alike; the body tells operators (docs/deployment.md).
        this.ready().then(
          (ready) => {
            const degraded = ready ? this.ctx.adapter.degraded() : null;
            sendJson(res, ready ? 200 : 503, degraded ? { ready, status: 'degraded', degraded } : { ready });
          },
          () => sendJson(res, 503, { ready: false }),
        );
        return;
      }
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'users' && parts.length === 3 && parts[2] === 'terminate_connections') {
      // The Python SDK posts terminate_user_connections without the /apps/{id} prefix: resolve the
      // app from auth_key instead, and sign over the path as sent.
      const key = query.get('auth_key') ?? '';
      const route: Route = { name: 'terminate', method: 'POST', userId: parts[1]! };
      const seen: Seen = { appId: null };
      this.dispatch(req, res, query, path, () => this.ctx.apps.byKey(key), route, seen).then(
        (status) => this.record(seen.appId, route.name, status, started),
        (err: unknown) => this.record(seen.appId, route.name, sendHttpError(res, err), started),
      );
      return;
    }
    if (parts[0] !== 'apps' || parts.length < 3) {
      if (parts[0] === 'app' && parts.length === 2) {
        sendJson(res, 426, { error: 'WebSocket upgrade required at this path' });
        return;
      }
      sendJson(res, 404, { error: 'Not found' });
      return;
    }
    const appId = safeDecodeOr404(parts[1]!);
    const route = matchRoute(parts.slice(2));
    const routeName = route?.name ?? 'unknown';
    const lookup = () => (appId === null ? Promise.resolve(undefined) : this.ctx.apps.byId(appId));
    const seen: Seen = { appId: null };
    this.dispatch(req, res, query, path, lookup, route, seen).then(
      (status) => this.record(seen.appId, routeName, status, started),
      (err: unknown) => {
        if (!(err instanceof HeraldError)) {
          const ip = req.socket.remoteAddress ?? '';
          this.ctx.clientLog.error({ ip }, { err, route: routeName }, 'HTTP API handler failed');
        }
        const status = sendHttpError(res, err);
        this.record(seen.appId, routeName, status, started);
      },
    );
  }

  /** After the signature: a disabled app is refused (403), one over its request rate too (429). */
  private admit(app: AppConfig, res: ServerResponse): void {
    if (!app.enabled) throw new HeraldError('forbidden', 'Application disabled');
    const perSecond = app.limits.maxApiRequestsPerSecond;
    if (perSecond > 0 && !this.opts.apiLimiter.hit(app.id, perSecond)) {
      res.setHeader('Retry-After', '1');
      throw new HeraldError('rateLimited', `Over ${perSecond} API requests per second`);
    }
  }

  /**
   * An event from the console's event creator, already authenticated by the console's token instead
   * of an app signature: from there on the same path as POST /events (enabled, rate limit,
   * validation and limits, publish), counted as an API request. `res` receives Retry-After on a 429.
   */
  async publish(appId: string, body: Record<string, unknown>, res: ServerResponse): Promise<unknown> {
    const started = performance.now();
    const app = await this.ctx.apps.byId(appId);
    try {
      if (!app) throw new HeraldError('notFound', `Unknown app ${appId}`);
      this.admit(app, res);
      const result = await triggerEvent(this.ctx, app, body);
      this.record(app.id, 'events', 200, started);
      return result;
    } catch (err) {
      this.record(app?.id ?? null, 'events', err instanceof HeraldError ? err.status : 500, started);
      throw err;
    }
  }

  /** Accepting traffic: not draining, and both the adapter and the app store can answer. */
  private async ready(): Promise<boolean> {
    return this.opts.isReady() && this.ctx.adapter.ready() && (await this.ctx.apps.ready());
  }

  private record(appId: string | null, route: string, status: number, started: number): void {
    if (this.ctx.events.wants('api_request')) {
      this.ctx.events.emit({
        type: 'api_request',
        appId,
        route,
        status,
        durationMs: performance.now() - started,
      });
    }
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    query: ApiQuery,
    path: string,
    lookupApp: () => Promise<AppConfig | undefined>,
    route: Route | null,
    seen: Seen,
  ): Promise<number> {
    if (!route) throw new HeraldError('notFound', `Unknown API path: ${path}`);
    if (req.method !== route.method) {
      res.setHeader('Allow', route.method);
      throw new HeraldError('methodNotAllowed', `${req.method} is not allowed here; use ${route.method}`);
    }
    const ctx = this.ctx;
    const app = await lookupApp();
    if (!app) throw new HeraldError('notFound', `Unknown app in ${path}`);
    seen.appId = app.id;
    checkDeclaredLength(req, ctx.config.maxHttpBodyBytes);
    const decodedPath = path.includes('%') ? safeDecode(path) : path;
    verifyApiSignature(
      app,
      req.method,
      path === decodedPath ? [path] : [path, decodedPath],
      query,
      ctx.now(),
    );
    this.admit(app, res);
    const received = await readBody(req, {
      maxBytes: ctx.config.maxHttpBodyBytes,
      timeoutMs: ctx.config.httpBodyTimeout * 1000,
    });
    verifyBodyMd5(query, received);
    const body = received.bytes;

    if ((route.name === 'events' || route.name === 'batch_events') && !ctx.adapter.publishable()) {
      // Refused before anything is delivered, so a retry duplicates nothing (docs/architecture.md).
      res.setHeader('Retry-After', '2');
      throw new HeraldError('clusterUnavailable');
    }
    let result: unknown;
    try {
      // Most triggers finish synchronously: no await unless there is a promise.
      result = this.answer(ctx, app, route, req, body, query);
      if (result instanceof Promise) result = await result;
    } catch (err) {
      if (isHeraldError(err) && err.kind === 'clusterUnavailable') res.setHeader('Retry-After', '2');
      throw err;
    }
    sendJson(res, 200, result);
    return 200;
  }

  /** The answer of one signed API call: a value, or a promise of it. */
  private answer(
    ctx: NodeContext,
    app: AppConfig,
    route: Route,
    req: IncomingMessage,
    body: Buffer,
    query: ApiQuery,
  ): unknown {
    switch (route.name) {
      case 'events': {
        const json = parseJsonObject(body, ctx.config.maxJsonDepth);
        return idempotent(ctx, app, req.headers, json, () => triggerEvent(ctx, app, json));
      }
      case 'batch_events': {
        const json = parseJsonObject(body, ctx.config.maxJsonDepth);
        return idempotent(ctx, app, req.headers, json, () => triggerBatch(ctx, app, json));
      }
      case 'channels':
        return listChannels(ctx, app, query);
      case 'channel':
        return getChannel(ctx, app, safeDecode(route.channel), query);
      case 'users':
        return getUsers(ctx, app, safeDecode(route.channel));
      case 'history':
        return getHistory(ctx, app, safeDecode(route.channel), query);
      case 'terminate':
        return terminateUser(ctx, app.id, safeDecode(route.userId));
    }
  }
}

function safeDecodeOr404(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
