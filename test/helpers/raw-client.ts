/**
 * The one raw `ws` client for exact-frame tests. Every inbound text frame is kept twice: in `log`, all of
 * them in arrival order (for counting), and in `frames` until a `next` takes it, so tests await frames
 * by predicate with a deadline and never sleep.
 */
import type PusherServer from 'pusher';
import WebSocket from 'ws';
import { signAuth, userStringToSign } from '../../src/protocol/signatures.js';
import type { TestServer } from './server.js';

export interface Frame {
  event: string;
  channel?: string;
  /** `data` as sent: a JSON string for channel events, an object for most pusher: frames. */
  data?: unknown;
  /** `data` with a JSON string parsed (plain strings stay as they are). */
  payload: unknown;
  user_id?: string;
  /** The exact text received. */
  raw: string;
}

/** Where to connect: a test server, a port of a spawned node (first app's key), or a full URL. */
export type RawTarget = Pick<TestServer, 'wsUrl'> | number | string;

const WAIT_MS = 10_000;

function parseFrame(raw: string): Frame {
  const f = JSON.parse(raw) as Omit<Frame, 'raw' | 'payload'>;
  let payload = f.data;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      // plain string data stays as is
    }
  }
  return { ...f, payload, raw };
}

function urlOf(target: RawTarget, path?: string): string {
  if (typeof target === 'string') return target;
  if (typeof target === 'number') {
    return `ws://127.0.0.1:${target}${path ?? '/app/app-key?protocol=7&client=js&version=8.4.0'}`;
  }
  return target.wsUrl(path);
}

export class RawClient {
  /** Every frame received, in order; never taken from. */
  readonly log: Frame[] = [];
  /** Frames no `next` has taken yet. */
  readonly frames: Frame[] = [];
  /** Pending `next` calls; a frame goes to the first one it matches instead of the queue. */
  private readonly waiters: { test: (f: Frame) => boolean; take(f: Frame): void; fail(): void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  socketId = '';

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const raw = data.toString();
      if (isBinary) throw new Error(`server sent a binary frame: ${raw}`);
      const frame = parseFrame(raw);
      this.log.push(frame);
      // Only the new frame is tested against the waiters: a queue of thousands is never rescanned.
      const w = this.waiters.find((x) => x.test(frame));
      if (w) w.take(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of [...this.waiters]) w.fail();
      }),
    );
  }

  /** Connects and waits for the first frame (connection_established or an error). */
  static async connect(url: string): Promise<{ client: RawClient; first: Frame }> {
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    const first = await client.next(() => true);
    if (first.event === 'pusher:connection_established') {
      client.socketId = (first.payload as { socket_id: string }).socket_id;
    }
    return { client, first };
  }

  /** Connects and expects the handshake to succeed. */
  static async open(target: RawTarget, path?: string): Promise<RawClient> {
    const { client, first } = await RawClient.connect(urlOf(target, path));
    if (first.event !== 'pusher:connection_established') throw new Error(`handshake failed: ${first.raw}`);
    return client;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Sends `{event, data, channel?}`. */
  emit(event: string, data: unknown, channel?: string): void {
    this.send({ event, data, ...(channel ? { channel } : {}) });
  }

  /**
   * Takes the first untaken frame matching `match` (an event name or a predicate), waiting up to
   * `timeoutMs` for it; rejects early when the socket closes.
   */
  next(match: string | ((f: Frame) => boolean) = () => true, timeoutMs = WAIT_MS): Promise<Frame> {
    const test = typeof match === 'string' ? (f: Frame) => f.event === match : match;
    const what = typeof match === 'string' ? match : 'matching frame';
    const i = this.frames.findIndex(test);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        take: (f: Frame) => {
          done();
          resolve(f);
        },
        fail: () => {
          done();
          reject(new Error(`socket closed while waiting for ${what}; have ${this.describe()}`));
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; have ${this.describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
      };
      if (this.ws.readyState === WebSocket.CLOSED) waiter.fail();
      else this.waiters.push(waiter);
    });
  }

  nextEvent(event: string, channel?: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.event === event && (channel === undefined || f.channel === channel), timeoutMs);
  }

  /** How many frames received so far match. */
  count(match: (f: Frame) => boolean): number {
    return this.log.filter(match).length;
  }

  /**
   * The frames matching `forbidden` that arrive before the first frame matching `marker`. `sendMarker`
   * must make the server send that marker after anything forbidden would have been sent (e.g. an SDK
   * trigger once the sender got its refusal), so "nothing arrived" is proven by order, not by waiting.
   */
  async receivedBefore(
    forbidden: (f: Frame) => boolean,
    marker: (f: Frame) => boolean,
    sendMarker: () => unknown,
    timeoutMs = WAIT_MS,
  ): Promise<Frame[]> {
    const from = this.log.length;
    // Untaken frames count: they arrived before the marker too.
    const seen = this.frames.filter(forbidden);
    const arrived = this.next(marker, timeoutMs);
    await sendMarker();
    const m = await arrived;
    const upTo = this.log.indexOf(m, from);
    for (const f of this.log.slice(from, upTo)) if (forbidden(f) && !seen.includes(f)) seen.push(f);
    return seen;
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

  /** Proves the socket is still open and served: a ping gets its pong. */
  async assertServed(): Promise<void> {
    this.send({ event: 'pusher:ping', data: {} });
    const pong = await this.nextEvent('pusher:pong');
    if (pong.raw !== '{"event":"pusher:pong","data":{}}') throw new Error(`odd pong ${pong.raw}`);
  }

  /** Sends pusher:subscribe with `extra` (auth, channel_data) and takes the success or the error. */
  async subscribe(channel: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    this.send({ event: 'pusher:subscribe', data: { channel, ...extra } });
    return this.next(
      (f) =>
        (f.event === 'pusher_internal:subscription_succeeded' && f.channel === channel) ||
        f.event === 'pusher:error',
    );
  }

  /** Subscribes with an authorization the SDK signs (as an app's auth endpoint would); throws on refusal. */
  async join(sdk: PusherServer, channel: string, presence?: { user_id: string; user_info?: unknown }) {
    const auth = /^(private-|presence-)/.test(channel)
      ? sdk.authorizeChannel(this.socketId, channel, presence as never)
      : {};
    const reply = await this.subscribe(channel, auth as Record<string, unknown>);
    if (reply.event === 'pusher:error') throw new Error(`subscribe ${channel}: ${reply.raw}`);
    return reply;
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

  /** Signs in with what the SDK's authenticateUser returns, and waits for signin_success. */
  async signedInWith(sdk: PusherServer, user: { id: string; watchlist?: string[] }): Promise<Frame> {
    this.emit('pusher:signin', sdk.authenticateUser(this.socketId, user));
    return this.next('pusher:signin_success');
  }

  close(): void {
    this.ws.close();
  }

  private describe(): string {
    const shown = this.frames.slice(-20).map((f) => f.raw);
    const more = this.frames.length - shown.length;
    return (more > 0 ? `… ${more} more | ` : '') + (shown.join(' | ') || 'nothing');
  }
}

/** The `{code, message}` of a pusher:error frame. */
export function errorOf(frame: Frame): { code: number | null; message: string } {
  return frame.data as { code: number | null; message: string };
}
