/** Clients for the user tests: raw sockets signed in, and pusher-js with SDK-signed sign-in. */
import type PusherServer from 'pusher';
import { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import type { TestServer } from '../helpers/server.js';

/** A raw socket on the server's first app, signed in as `id`. */
export async function signedInSocket(server: TestServer, id: string): Promise<RawClient> {
  const raw = await RawClient.open(server.wsUrl());
  await raw.signedIn({ id }, { key: server.app.key, secret: server.app.secret });
  return raw;
}

export interface PusherJsOptions {
  /** user_data for sign-in, authenticated by the SDK as an app server would. */
  user?: { id: string; user_info?: Record<string, unknown>; watchlist?: string[] };
  /** Authorize presence channels with channel_data (default) or without it (CH-08). */
  presenceData?: { user_id: string; user_info?: Record<string, unknown> } | null;
}

/** The official pusher-js pointed at the test server, with the SDK behind its auth handlers. */
export function pusherJsFor(server: TestServer, sdk: PusherServer, opts: PusherJsOptions = {}) {
  return new PusherJs(server.app.key, {
    cluster: 'mt1',
    wsHost: server.host,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    userAuthentication: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId }, callback) => {
        if (!opts.user) callback(new Error('no user in this test'), null);
        else callback(null, sdk.authenticateUser(socketId, opts.user));
      },
    },
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId, channelName }, callback) => {
        const data = channelName.startsWith('presence-') ? opts.presenceData : undefined;
        callback(
          null,
          data
            ? sdk.authorizeChannel(socketId, channelName, data)
            : sdk.authorizeChannel(socketId, channelName),
        );
      },
    },
  });
}

/**
 * pusher-js's Node build bundles faye-websocket, which arms a 30 s timer when pusher-js closes a socket
 * the server already closed (as it does after any 4000-4099 close). That timer would hold the test
 * process open for 30 s; while `fn` runs, such timers are unref'd. Nothing in Herald is involved.
 */
export async function withUnrefClientTimers<T>(fn: () => Promise<T>): Promise<T> {
  const original = globalThis.setTimeout;
  const patched = ((cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = original(() => cb(...args), ms);
    if (ms === 30_000) t.unref();
    return t;
  }) as typeof setTimeout;
  globalThis.setTimeout = patched;
  try {
    return await fn();
  } finally {
    globalThis.setTimeout = original;
  }
}
