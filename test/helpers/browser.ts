/**
 * What the browser tests share: Debian's Chromium through playwright-core (never a downloaded browser),
 * and a small "customer app" server that serves a page, a pusher-js web build and the auth endpoint a
 * real app would host, signing with the official SDK.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps dialling hosts this closed network refuses.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface AppServerOptions {
  /** pusher-js web build file under node_modules/pusher-js/dist/web/. */
  pusherJs: 'pusher.min.js' | 'pusher-with-encryption.min.js';
  /** The page for `/?user=…`; it loads `/pusher.js` and authorizes at `/pusher/auth?user=…`. */
  page(user: string, query: URLSearchParams): string;
  /** Signs one channel authorization request as the app server would (the SDK's authorizeChannel). */
  authorize(socketId: string, channel: string, user: string): unknown;
  /** Signs a user sign-in at `/pusher/user-auth?user=…` (the SDK's authenticateUser), when the page signs in. */
  authenticate?(socketId: string, user: string): unknown;
}

export interface AppServer {
  readonly port: number;
  close(): void;
}

export async function serveApp(opts: AppServerOptions): Promise<AppServer> {
  const script = readFileSync(
    new URL(`../../../node_modules/pusher-js/dist/web/${opts.pusherJs}`, import.meta.url),
    'utf8',
  );
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const user = url.searchParams.get('user') ?? 'anon';
    if (url.pathname === '/pusher.js') {
      res.writeHead(200, { 'Content-Type': 'application/javascript' }).end(script);
    } else if (
      url.pathname === '/pusher/auth' ||
      (url.pathname === '/pusher/user-auth' && opts.authenticate)
    ) {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const socketId = form.get('socket_id')!;
        const auth =
          url.pathname === '/pusher/auth'
            ? opts.authorize(socketId, form.get('channel_name')!, user)
            : opts.authenticate!(socketId, user);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(auth));
      });
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(opts.page(user, url.searchParams));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}
