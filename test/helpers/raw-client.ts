/**
 * A raw `ws` client for exact-frame tests: every inbound text frame is queued, and `next` awaits the
 * first frame matching a predicate (with a timeout), so tests never sleep.
 */
import WebSocket from 'ws';
import type { TestServer } from './server.js';

export interface Frame {
  event: string;
  channel?: string;
  data?: unknown;
  user_id?: string;
  /** The exact text received. */
  raw: string;
}

export class RawClient {
  readonly frames: Frame[] = [];
  private readonly waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  socketId = '';

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const raw = data.toString();
      if (isBinary) throw new Error(`server sent a binary frame: ${raw}`);
      const frame = { ...(JSON.parse(raw) as Omit<Frame, 'raw'>), raw };
      const i = this.waiters.findIndex((w) => w.match(frame));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
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
      client.socketId = (JSON.parse(first.data as string) as { socket_id: string }).socket_id;
    }
    return { client, first };
  }

  /** Connects and expects the handshake to succeed. */
  static async open(server: TestServer, path?: string): Promise<RawClient> {
    const { client, first } = await RawClient.connect(server.wsUrl(path));
    if (first.event !== 'pusher:connection_established') throw new Error(`handshake failed: ${first.raw}`);
    return client;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The first queued or future frame matching `match`; rejects after `timeoutMs`. */
  next(match: (f: Frame) => boolean = () => true, timeoutMs = 3000): Promise<Frame> {
    const i = this.frames.findIndex(match);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; queued: ${this.frames.map((f) => f.raw).join(' | ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  nextEvent(event: string, channel?: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.event === event && (channel === undefined || f.channel === channel), timeoutMs);
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
    timeoutMs = 5000,
  ): Promise<Frame[]> {
    // Frames already queued count: they arrived before the marker too.
    const seen = this.frames.filter(forbidden);
    let done = false;
    const watch = (data: WebSocket.RawData) => {
      if (done) return;
      const raw = data.toString();
      const frame = { ...(JSON.parse(raw) as Omit<Frame, 'raw'>), raw };
      if (marker(frame)) done = true;
      else if (forbidden(frame)) seen.push(frame);
    };
    this.ws.on('message', watch);
    try {
      const arrived = this.next(marker, timeoutMs);
      await sendMarker();
      await arrived;
    } finally {
      this.ws.off('message', watch);
    }
    return seen;
  }

  /** Proves the socket is still open and served: a ping gets its pong. */
  async assertServed(): Promise<void> {
    this.send({ event: 'pusher:ping', data: {} });
    const pong = await this.nextEvent('pusher:pong');
    if (pong.raw !== '{"event":"pusher:pong","data":{}}') throw new Error(`odd pong ${pong.raw}`);
  }

  async subscribe(channel: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    this.send({ event: 'pusher:subscribe', data: { channel, ...extra } });
    return this.next(
      (f) =>
        (f.event === 'pusher_internal:subscription_succeeded' && f.channel === channel) ||
        f.event === 'pusher:error',
    );
  }

  close(): void {
    this.ws.close();
  }
}
