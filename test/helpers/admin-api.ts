/** Calls the admin API of apps on a Herald's console listener, as an operator's script would. */
import { request } from 'node:http';
import type PusherServer from 'pusher';
import { PusherJs } from './pusher-js.js';
import { sdk as sdkFor } from './webhook-clients.js';

export const CONSOLE_TOKEN = 'admin-api-token-for-tests-0123456789';

export interface Reply<T = unknown> {
  status: number;
  json: T;
}

export function adminCall<T = Record<string, unknown>>(
  consolePort: number,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = CONSOLE_TOKEN,
): Promise<Reply<T>> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: consolePort,
        path,
        method,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(text ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : {}),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          data += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: (data ? JSON.parse(data) : undefined) as T }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

export interface Creds {
  id: string;
  key: string;
  secret: string;
}

/** The official server SDK for an app on a Herald port. */
export function sdk(port: number, app: Creds): PusherServer {
  return sdkFor(app, port);
}

/** pusher-js for an app, its private channels signed by the SDK with `secret`. */
export function client(port: number, app: Creds): PusherJs {
  const signer = sdk(port, app);
  return new PusherJs(app.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      customHandler: (
        p: { socketId: string; channelName: string },
        cb: (e: Error | null, d: unknown) => void,
      ) => cb(null, signer.authorizeChannel(p.socketId, p.channelName)),
    },
  } as never);
}

/** The close code a pusher-js client saw, from the pusher:error that precedes Herald's close. */
export function errorCode(p: PusherJs, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no error on ${p.key} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    p.connection.bind('error', (e: { data?: { code?: number } }) => {
      if (e?.data?.code === undefined) return;
      clearTimeout(timer);
      resolve(e.data.code);
    });
  });
}
