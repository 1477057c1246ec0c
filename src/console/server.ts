/**
 * The console's listener: its own port (default 127.0.0.1:9602), separate from clients and metrics.
 * Every request passes the same two checks before any route runs: same origin, then the token.
 * Only the login form and its stylesheet are served without the token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MemoryRateLimiter } from '../connections/rate-limiter.js';
import { readBody } from '../http-api/body.js';
import type { Logger } from '../logging/logger.js';
import { HeraldError } from '../protocol/errors.js';
import { ConsoleAuth, sameOrigin } from './auth.js';
import { securityHeaders, sendError, sendJson, sendText, wantsHtml } from './http.js';
import { loginPage } from './pages.js';

/**
 * An extra route on the console listener, behind the console's token: the seam other modules plug
 * into (the admin API of apps, say), registered at composition in `createHerald`. A route runs only
 * after the origin and token checks passed; it answers and returns true, or returns false to let the
 * next route try. A thrown `HeraldError` becomes its HTTP status with `{ "error": message }`.
 */
export type ConsoleRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) => boolean | Promise<boolean>;

export interface ConsoleServerOptions {
  host: string;
  port: number;
  token: string;
  routes: readonly ConsoleRoute[];
  /** Serves a public asset (the login stylesheet) or returns false. */
  publicAsset: ConsoleRoute;
  logger: Logger;
  now: () => number;
}

export interface ConsoleListener {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Login attempts per second per client address; the token is long, this only blunts scripts. */
const LOGINS_PER_SECOND = 5;

export async function serveConsole(opts: ConsoleServerOptions): Promise<ConsoleListener> {
  const logins = new MemoryRateLimiter(1000, opts.now);
  let auth: ConsoleAuth | null = null;
  const server: Server = createServer((req, res) => {
    securityHeaders(res);
    handle(req, res).catch((err: unknown) => {
      if (!(err instanceof HeraldError)) opts.logger.error({ err, url: req.url }, 'console route failed');
      sendError(res, err);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console');
    if (!sameOrigin(req)) {
      req.resume();
      sendJson(res, 403, { error: 'Cross-origin requests are refused' });
      return;
    }
    if (url.pathname === '/login') return login(req, res, url);
    if (url.pathname === '/favicon.ico') {
      req.resume();
      res.writeHead(204).end();
      return;
    }
    if (await opts.publicAsset(req, res, url)) return;
    if (!auth!.authenticated(req)) {
      req.resume();
      if (wantsHtml(req)) {
        res.writeHead(303, { Location: '/login' }).end();
      } else {
        res.setHeader('WWW-Authenticate', 'Bearer realm="herald-console"');
        sendJson(res, 401, {
          error: 'Console token required: log in, or send Authorization: Bearer <token>',
        });
      }
      return;
    }
    if (url.pathname === '/logout' && req.method === 'POST') {
      req.resume();
      res.writeHead(303, { Location: '/login', 'Set-Cookie': auth!.logoutCookie() }).end();
      return;
    }
    for (const route of opts.routes) {
      if (await route(req, res, url)) return;
    }
    req.resume();
    sendJson(res, 404, { error: `Not found: ${url.pathname}` });
  }

  async function login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET') {
      sendText(res, 200, 'text/html; charset=utf-8', loginPage(url.searchParams.has('failed')));
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'GET, POST');
      sendJson(res, 405, { error: 'Use GET or POST' });
      return;
    }
    const body = (await readBody(req, { maxBytes: 4096, timeoutMs: 10_000 })).bytes;
    const ip = req.socket.remoteAddress ?? '';
    if (!logins.hit(ip, LOGINS_PER_SECOND)) {
      res.setHeader('Retry-After', '1');
      sendJson(res, 429, { error: 'Too many login attempts; wait a second' });
      return;
    }
    const token = new URLSearchParams(body.toString('utf8')).get('token') ?? '';
    if (auth!.tokenMatches(token.trim())) {
      res.writeHead(303, { Location: '/', 'Set-Cookie': auth!.loginCookie() }).end();
    } else {
      res.writeHead(303, { Location: '/login?failed' }).end();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `console port ${opts.host}:${opts.port} is in use: set console.port (HERALD_CONSOLE_PORT) or disable the console (HERALD_CONSOLE=false)`,
            )
          : err,
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  auth = new ConsoleAuth(opts.token, port);
  const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    host: opts.host,
    port,
    url: `http://${shown}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
