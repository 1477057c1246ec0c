/** Clients for the user tests: a raw frame-level WebSocket client, the pusher SDK and pusher-js. */
import type PusherServer from 'pusher';
import WebSocket from 'ws';
import { signAuth, userStringToSign } from '../../src/protocol/signatures.js';
import { PusherJs } from '../helpers/pusher-js.js';
import type { TestServer } from '../helpers/server.js';

export interface Frame {
  event: string;
  channel?: string;
  /** `data` as sent: string for channel events, object for pusher:error and friends. */
  data: unknown;
  user_id?: string;
  /** The exact text of the frame. */
  raw: string;
}

const WAIT_MS = 5000;

/** A WebSocket that keeps every frame, so tests can await one by predicate and check exact bytes. */
export class RawClient {
  private readonly frames: Frame[] = [];
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;
  socketId = '';

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const raw = d.toString();
      this.frames.push({ ...(JSON.parse(raw) as Omit<Frame, 'raw'>), raw });
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of [...this.waiters]) w();
      }),
    );
  }

  static async open(url: string): Promise<RawClient> {
    const client = new RawClient(new WebSocket(url));
    const established = await client.next('pusher:connection_established');
    client.socketId = (JSON.parse(established.data as string) as { socket_id: string }).socket_id;
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Takes the first not-yet-taken frame matching `match` (an event name or predicate), waiting for it. */
  next(match: string | ((f: Frame) => boolean), what = String(match)): Promise<Frame> {
    const test = typeof match === 'string' ? (f: Frame) => f.event === match : match;
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.frames.findIndex(test);
        if (i >= 0) {
          done();
          resolve(this.frames.splice(i, 1)[0]!);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`socket closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; have ${this.frames.map((f) => f.raw).join('\n')}`));
      }, WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /**
   * Round-trips a ping: every frame the server wrote to this socket before answering is then here.
   * Returns (and takes) the frames still untaken, so a test can assert that nothing else arrived.
   */
  async drain(): Promise<Frame[]> {
    this.send({ event: 'pusher:ping', data: {} });
    await this.next('pusher:pong');
    return this.frames.splice(0);
  }

  /** Sends pusher:signin for `userData` (object or exact string), signed with `secret` unless given `auth`. */
  signin(userData: unknown, opts: { key: string; secret: string; auth?: string }): string {
    const text = typeof userData === 'string' ? userData : JSON.stringify(userData);
    const auth = opts.auth ?? signAuth(opts.key, opts.secret, userStringToSign(this.socketId, text));
    this.send({ event: 'pusher:signin', data: { auth, user_data: text } });
    return text;
  }

  async signedIn(userData: unknown, opts: { key: string; secret: string }): Promise<Frame> {
    this.signin(userData, opts);
    return this.next('pusher:signin_success');
  }

  close(): void {
    this.ws.close();
  }
}

/** A raw socket on the server's first app, signed in as `id`. */
export async function signedInSocket(server: TestServer, id: string): Promise<RawClient> {
  const raw = await RawClient.open(server.wsUrl());
  await raw.signedIn({ id }, { key: server.app.key, secret: server.app.secret });
  return raw;
}

export function errorOf(frame: Frame): { code: number | null; message: string } {
  return frame.data as { code: number | null; message: string };
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

type Bindable = {
  bind(event: string, cb: (data: unknown) => void): unknown;
  unbind(event: string, cb: (data: unknown) => void): unknown;
};

/** Resolves with the next `event` on a pusher-js emitter (channel, user, watchlist, connection). */
export function once<T = unknown>(
  emitter: Bindable,
  event: string,
  accept: (data: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.unbind(event, cb);
      reject(new Error(`timed out waiting for ${event}`));
    }, WAIT_MS);
    const cb = (data: unknown) => {
      if (!accept(data as T)) return;
      clearTimeout(timer);
      emitter.unbind(event, cb);
      resolve(data as T);
    };
    emitter.bind(event, cb);
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
