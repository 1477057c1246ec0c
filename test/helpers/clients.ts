/**
 * Official clients pointed at a test server: pusher-js (Node build) whose channel authorization and
 * user authentication are signed by the official `pusher` SDK, as a customer's auth endpoint would.
 */
import type PusherServer from 'pusher';
import type { ServerEventType } from '../../src/events/server-events.js';
import { PusherJs } from './pusher-js.js';
import { sdkFor } from './sdk.js';
import type { TestServer } from './server.js';

export interface ClientOptions {
  /** Presence identity this client's auth endpoint signs (user_id → string). */
  user?: { id: string; info?: unknown };
  /** SDK used to sign; defaults to one for the server's first app. */
  sdk?: PusherServer;
  /** Forge every channel authorization (wrong secret) to exercise refusals. */
  forge?: boolean;
}

export function pusherOptions(server: TestServer, opts: ClientOptions = {}): Record<string, unknown> {
  const sdk = opts.sdk ?? sdkFor(server);
  return {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      customHandler: (
        params: { socketId: string; channelName: string },
        cb: (err: Error | null, data: unknown) => void,
      ) => {
        try {
          const presence = params.channelName.startsWith('presence-') && opts.user;
          const data = presence
            ? {
                user_id: opts.user!.id,
                ...(opts.user!.info === undefined ? {} : { user_info: opts.user!.info }),
              }
            : undefined;
          const auth = sdk.authorizeChannel(params.socketId, params.channelName, data as never);
          if (opts.forge) auth.auth = `${server.app.key}:${'f'.repeat(64)}`;
          cb(null, auth);
        } catch (err) {
          cb(err as Error, null);
        }
      },
    },
    userAuthentication: {
      customHandler: (params: { socketId: string }, cb: (err: Error | null, data: unknown) => void) => {
        if (!opts.user) return cb(new Error('no user'), null);
        cb(
          null,
          sdk.authenticateUser(params.socketId, { id: opts.user.id, user_info: opts.user.info as never }),
        );
      },
    },
  };
}

export function pusherClient(server: TestServer, opts: ClientOptions = {}): PusherJs {
  return new PusherJs(server.app.key, pusherOptions(server, opts) as never);
}

/** Resolves when the client reaches `connected`. */
export function connected(p: PusherJs, timeoutMs = 5000): Promise<string> {
  if (p.connection.state === 'connected') return Promise.resolve(p.connection.socket_id);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected: ${p.connection.state}`)), timeoutMs);
    p.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve(p.connection.socket_id);
    });
  });
}

interface Bindable {
  bind(event: string, cb: (data: unknown, meta?: unknown) => void): unknown;
  unbind(event: string, cb: (data: unknown, meta?: unknown) => void): unknown;
}

/**
 * The next `event` on a pusher-js emitter (channel, connection, user, watchlist) that `accept` takes,
 * with a timeout; `opts` may be just the timeout.
 */
export function once<T = unknown>(
  target: Bindable,
  event: string,
  opts: number | { timeoutMs?: number; accept?: (data: T) => boolean } = {},
): Promise<T> {
  const { timeoutMs = 5000, accept = () => true } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  return new Promise((resolve, reject) => {
    const cb = (data: unknown) => {
      if (!accept(data as T)) return;
      clearTimeout(timer);
      target.unbind(event, cb);
      resolve(data as T);
    };
    const timer = setTimeout(() => {
      target.unbind(event, cb);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    target.bind(event, cb);
  });
}

/**
 * True when `event` fires on `target` before `marker` does. `sendMarker` must make the server deliver
 * the marker after anything that could cause `event` (pusher-js dispatches frames in arrival order),
 * so "it did not fire" is proven by order, not by waiting.
 */
export async function firedBefore(
  target: Bindable,
  event: string,
  marker: string,
  sendMarker: () => unknown,
  timeoutMs = 5000,
): Promise<boolean> {
  let fired = false;
  const cb = () => {
    fired = true;
  };
  target.bind(event, cb);
  try {
    const arrived = once(target, marker, timeoutMs);
    await sendMarker();
    await arrived;
  } finally {
    target.unbind(event, cb);
  }
  return fired;
}

/** The next server-side event of a type matching `match`. */
export function serverEvent<T extends ServerEventType>(
  server: TestServer,
  type: T,
  match: (
    e: Extract<Parameters<Parameters<TestServer['herald']['events']['on']>[1]>[0], { type: T }>,
  ) => boolean,
  timeoutMs = 3000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = server.herald.events.on(type, (e) => {
      if (!match(e as never)) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Occupied channels of the first app, through the HTTP API with the official SDK. */
export async function occupiedChannels(server: TestServer, prefix?: string): Promise<string[]> {
  const res = await sdkFor(server).get({
    path: '/channels',
    params: prefix ? { filter_by_prefix: prefix } : {},
  });
  return Object.keys(((await res.json()) as { channels: Record<string, unknown> }).channels).sort();
}
