/**
 * `ClientSocket` over pusher-js's HTTP transports. A session outlives the requests that carry it: its
 * frames go to the one receive request attached at a time (an open xhr_streaming response, or a waiting
 * xhr_polling request that is answered with one batch), and wait in a bounded queue between two polls.
 * Frames are queued as pre-built `a[…]` lines (one per broadcast, shared by every HTTP recipient) and
 * leave in one write per turn through the shared flush queue.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientSocket } from './client-socket.js';
import { type Flushable, SendBound, scheduleFlush } from './flush-queue.js';
import { closeLine, HEARTBEAT_CHUNK, messageChunk, OPEN_CHUNK, unchunked } from './http-frame.js';
import type { PreparedFrame } from './ws-frame.js';

export type HttpTransportName = 'xhr_streaming' | 'xhr_polling';

/** What every session of one server shares; one object rather than closures per session. */
export interface HttpSessionPolicy {
  readonly maxBuffered: number;
  now(): number;
  /** The reader fell behind by more than maxBuffered: expected to `cut` the session (4100). */
  overflow(session: HttpSession, buffered: number): void;
  /** The session closed or was cut; called once, on a later turn, with the close code. */
  ended(session: HttpSession, code: number): void;
}

const kSession = Symbol('herald.httpSession');
type Receiver = ServerResponse & { [kSession]?: HttpSession | undefined };

/** The client went away (or the response ended): the session waits for its next receive request. */
function onReceiverClose(this: Receiver): void {
  this[kSession]?.detach(this);
}

function endSession(session: HttpSession, code: number): void {
  session.policy.ended(session, code);
}

export class HttpSession implements ClientSocket, Flushable {
  private queue: Buffer[] | null = [OPEN_CHUNK];
  private queuedBytes = OPEN_CHUNK.length;
  /** The largest chunk queued since the last flush: the oversized-frame allowance is for one frame. */
  private largest = OPEN_CHUNK.length;
  private receiver: Receiver | null = null;
  /** The attached stream's socket: chunks are written to it directly (null for a poll). */
  private raw: Socket | null = null;
  /** False when the stream is not chunk-encoded (an HTTP/1.0 client, body ends at close): bare lines. */
  private rawChunked = true;
  private dirty = false;
  private readonly bound = new SendBound();
  /** The response a close was written to, so a cut can still destroy it. */
  private lastReceiver: Receiver | null = null;
  closed = false;
  /** When the session closed (0 while open). */
  closedAt = 0;
  /** The close line (and frames before it) still owed to the client: the next receive request gets it. */
  farewell: Buffer | null = null;
  /** When the last receive request ended; 0 while one is attached. */
  detachedAt: number;
  /** When bytes last left on the attached receive request (a heartbeat is due after a quiet interval). */
  lastWrite: number;

  constructor(
    /** `{appKey}/{server}/{session}` from the URL. */
    readonly key: string,
    readonly transport: HttpTransportName,
    readonly policy: HttpSessionPolicy,
  ) {
    const now = policy.now();
    this.detachedAt = now;
    this.lastWrite = now;
  }

  get attached(): boolean {
    return this.receiver !== null;
  }

  get bufferedBytes(): number {
    return this.queuedBytes + (this.raw?.writableLength ?? 0);
  }

  send(frame: PreparedFrame): void {
    if (!this.closed) this.enqueue(messageChunk(frame));
  }

  ping(): void {
    // Only worth sending to someone listening; a detached session is timed out by its owner.
    if (!this.closed && this.receiver !== null) this.enqueue(HEARTBEAT_CHUNK);
  }

  private enqueue(chunk: Buffer): void {
    if (this.queue === null) this.queue = [chunk];
    else this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (chunk.length > this.largest) this.largest = chunk.length;
    if (!this.dirty) {
      this.dirty = true;
      scheduleFlush(this);
    }
  }

  /** Takes a new receive request: queued frames leave at once; a poll is answered as soon as any exist. */
  attach(res: ServerResponse, streaming: boolean): void {
    const old = this.receiver;
    if (old !== null) {
      // pusher-js opens a new stream only after dropping the old one (or the old one is stale).
      this.release(old);
      old.end();
    }
    const r = res as Receiver;
    r[kSession] = this;
    r.on('close', onReceiverClose);
    this.receiver = r;
    this.raw = null;
    if (streaming && r.socket) {
      // Headers leave now; from here on the body is our own chunks on the socket (res.end() adds the last).
      r.flushHeaders();
      this.raw = r.socket;
      this.rawChunked = (r as unknown as { chunkedEncoding: boolean }).chunkedEncoding;
    }
    this.detachedAt = 0;
    this.lastWrite = this.policy.now();
    if (this.queue !== null) this.flush();
  }

  detach(res: Receiver): void {
    if (this.receiver === res) this.release(res);
  }

  private release(res: Receiver): void {
    res[kSession] = undefined;
    res.off('close', onReceiverClose);
    if (this.receiver === res) {
      this.receiver = null;
      this.raw = null;
      this.detachedAt = this.policy.now();
    }
  }

  flush(): void {
    this.dirty = false;
    const queue = this.queue;
    if (queue === null || this.closed) return;
    const largest = this.largest;
    this.largest = 0;
    const res = this.receiver;
    if (res === null) {
      // Nobody is reading (between two polls): the queue is the buffer the bound applies to.
      if (this.bound.exceeded(this.queuedBytes, largest, this.policy.maxBuffered)) {
        this.policy.overflow(this, this.queuedBytes);
      }
      return;
    }
    this.queue = null;
    this.queuedBytes = 0;
    this.lastWrite = this.policy.now();
    const raw = this.raw;
    if (raw === null) {
      // A poll carries one batch; the client polls again at once.
      this.release(res);
      res.end(queue.length === 1 ? unchunked(queue[0]!) : Buffer.concat(queue.map(unchunked)));
      return;
    }
    // One copy into one buffer is cheaper than a writev of many small chunks (as for WebSockets).
    const chunks = this.rawChunked ? queue : queue.map(unchunked);
    raw.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    const buffered = raw.writableLength;
    if (this.bound.exceeded(buffered, largest, this.policy.maxBuffered)) this.policy.overflow(this, buffered);
  }

  /** Sends what is queued and the close line; without a receive request they wait for the next one. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closedAt = this.policy.now();
    const line = closeLine(code, reason);
    const farewell = this.queue === null ? line : Buffer.concat([...this.queue.map(unchunked), line]);
    this.queue = null;
    this.queuedBytes = 0;
    const res = this.receiver;
    if (res !== null) {
      this.release(res);
      this.lastReceiver = res;
      res.end(farewell);
    } else {
      this.farewell = farewell;
    }
    setImmediate(endSession, this, code);
  }

  /**
   * Closes a reader that fell behind: what is queued is dropped, the open response is destroyed, and
   * only the close line waits for a later poll (so a polling client still learns the code).
   */
  cut(code: number, reason: string): void {
    this.queue = null;
    this.queuedBytes = 0;
    if (!this.closed) {
      this.closed = true;
      this.closedAt = this.policy.now();
      this.farewell = closeLine(code, reason);
      setImmediate(endSession, this, code);
    }
    this.terminate();
  }

  /** Drops the connection without waiting for the client to read anything. */
  terminate(): void {
    const res = this.receiver ?? this.lastReceiver;
    this.lastReceiver = null;
    if (res !== null) {
      this.release(res);
      res.destroy();
    }
    if (this.closed) return;
    this.closed = true;
    this.closedAt = this.policy.now();
    this.queue = null;
    this.queuedBytes = 0;
    setImmediate(endSession, this, 1006);
  }

  /** Hands the owed close line to a late receive request (a poll after the session closed). */
  takeFarewell(): Buffer | null {
    const f = this.farewell;
    this.farewell = null;
    return f;
  }
}
