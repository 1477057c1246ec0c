/**
 * Raw `ws` clients speaking the Pusher protocol, tuned to cost the load process as little as possible:
 * no JSON parsing of events (the stamp is found with a byte search), no UTF-8 validation, module-level
 * listeners instead of closures per connection.
 */
import WebSocket from 'ws';
import { nowMicros, readField, readStamp, stampedData } from '../lib/clock.js';
import { newHistogram } from '../lib/histogram.js';
import {
  presenceAuth,
  privateAuth,
  subscribeMessage,
  type TargetApp,
  unsubscribeMessage,
  wsUrl,
} from '../lib/pusher-wire.js';
import { HttpStreamConn } from './http-clients.js';
import type { ConnSpec, Target } from './protocol.js';

export const stats = {
  received: 0,
  receivedInWindow: 0,
  memberEvents: 0,
  memberEventsInWindow: 0,
  errors: 0,
  firstError: null as string | null,
  closes: {} as Record<string, number>,
  latency: newHistogram(),
  windowFrom: Number.POSITIVE_INFINITY,
  windowTo: Number.POSITIVE_INFINITY,
};

export function setWindow(from: number, to: number): void {
  stats.received = 0;
  stats.receivedInWindow = 0;
  stats.memberEvents = 0;
  stats.memberEventsInWindow = 0;
  stats.errors = 0;
  stats.firstError = null;
  stats.latency.reset();
  stats.windowFrom = from;
  stats.windowTo = to;
}

const MEMBER = Buffer.from('pusher_internal:member_');
const SUCCEEDED = Buffer.from('subscription_succeeded');
const ESTABLISHED = Buffer.from('connection_established');
const ERROR = Buffer.from('"pusher:error"');
const SENDER = Buffer.from(';s=');

/** Chat activity shared by every chat member of this process. */
export const chat = { endAt: 0, padTo: 64, running: false, closedLoop: true };

export class BenchConn {
  readonly ws: WebSocket;
  socketId = '';
  pendingSubs = 0;
  ready = false;
  /** Churn connections loop join → leave → join on their presence channel. */
  churn: { channel: string; sentAt: number; endAt: number; onJoin: (latencyUs: number) => void } | null =
    null;
  onReady: ((err: Error | null) => void) | null = null;
  /** Presence-storm joiners: what they learnt of the channel's members. */
  storm: StormState | null = null;

  constructor(
    readonly app: TargetApp,
    url: string,
    readonly spec: ConnSpec,
  ) {
    this.ws = new WebSocket(wsUrl(url, app.key), { perMessageDeflate: false, skipUTF8Validation: true });
    (this.ws as Tagged)[kConn] = this;
    this.ws.on('message', onMessage);
    this.ws.on('error', onError);
    this.ws.on('close', onClose);
  }

  subscribe(channel: string): void {
    let msg: string;
    if (channel.startsWith('presence-')) {
      const channelData = JSON.stringify({ user_id: this.spec.userId ?? this.socketId });
      msg = subscribeMessage(
        channel,
        presenceAuth(this.app, this.socketId, channel, channelData),
        channelData,
      );
    } else if (channel.startsWith('private-')) {
      msg = subscribeMessage(channel, privateAuth(this.app, this.socketId, channel));
    } else {
      msg = subscribeMessage(channel);
    }
    this.ws.send(msg);
  }

  sendChat(intended: number): void {
    const c = this.spec.chat!;
    const data = stampedData(intended, `s=${c.index};`, chat.padTo);
    this.ws.send(`{"event":"client-bench","channel":${JSON.stringify(c.channel)},"data":"${data}"}`);
  }

  close(): void {
    this.ws.terminate();
  }
}

export interface StormState {
  /** The snapshot's count, -1 until subscription_succeeded. */
  snapshot: number;
  added: number;
  /** Knows every member of the storm. */
  complete: boolean;
  onSnapshot(): void;
  onMember(): void;
}

/** `\"count\":` inside the subscription_succeeded data string (JSON in a JSON string). */
const COUNT = Buffer.from('count\\":');

function snapshotCount(data: Buffer): number {
  const at = data.lastIndexOf(COUNT);
  if (at < 0) return 0;
  let n = 0;
  for (let i = at + COUNT.length; i < data.length; i++) {
    const d = data[i]! - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

const kConn = Symbol('bench.conn');
type Tagged = WebSocket & { [kConn]?: BenchConn };

function control(c: BenchConn, data: Buffer): void {
  if (data.indexOf(MEMBER) >= 0) {
    if (c.storm) {
      c.storm.added++;
      c.storm.onMember();
    }
    stats.memberEvents++;
    const now = nowMicros();
    if (now >= stats.windowFrom && now < stats.windowTo) stats.memberEventsInWindow++;
    return;
  }
  if (data.indexOf(SUCCEEDED) >= 0) {
    if (c.storm) {
      c.storm.snapshot = snapshotCount(data);
      c.storm.onSnapshot();
      return;
    }
    if (c.churn) {
      const ch = c.churn;
      const now = nowMicros();
      ch.onJoin(now - ch.sentAt);
      c.ws.send(unsubscribeMessage(ch.channel));
      if (now < ch.endAt) {
        ch.sentAt = nowMicros();
        c.subscribe(ch.channel);
      }
      return;
    }
    if (--c.pendingSubs === 0 && !c.ready) {
      c.ready = true;
      c.onReady?.(null);
    }
    return;
  }
  if (data.indexOf(ESTABLISHED) >= 0) {
    const msg = JSON.parse(data.toString()) as { data: string };
    c.socketId = (JSON.parse(msg.data) as { socket_id: string }).socket_id;
    if (c.churn) {
      c.churn.sentAt = nowMicros();
      c.subscribe(c.churn.channel);
      return;
    }
    c.pendingSubs = c.spec.channels.length;
    if (c.pendingSubs === 0) {
      c.ready = true;
      c.onReady?.(null);
    }
    for (const ch of c.spec.channels) c.subscribe(ch);
    return;
  }
  if (data.indexOf(ERROR) >= 0) {
    stats.errors++;
    stats.firstError ??= data.toString().slice(0, 300);
    if (!c.ready) c.onReady?.(new Error(data.toString().slice(0, 300)));
  }
}

/** Counts one delivery stamped `t` (µs) in the window's figures; returns the receive time. */
export function countDelivery(t: number): number {
  stats.received++;
  const now = nowMicros();
  if (now >= stats.windowFrom && now < stats.windowTo) stats.receivedInWindow++;
  if (t >= stats.windowFrom && t < stats.windowTo) stats.latency.recordValue(Math.max(1, now - t));
  return now;
}

/** Counts a client-side failure (first one kept for the report). */
export function countError(message: string): void {
  stats.errors++;
  stats.firstError ??= message;
}

function onMessage(this: Tagged, data: Buffer): void {
  const c = this[kConn]!;
  const t = readStamp(data);
  if (t < 0) {
    control(c, data);
    return;
  }
  const now = countDelivery(t);
  const ch = c.spec.chat;
  if (ch && chat.running && chat.closedLoop && now < chat.endAt) {
    // Closed loop: the member after the sender answers, so each token circulates round the channel.
    const sender = readField(data, SENDER);
    if ((sender + 1) % ch.size === ch.index) c.sendChat(nowMicros());
  }
}

function onError(this: Tagged, err: Error): void {
  const c = this[kConn]!;
  stats.errors++;
  stats.firstError ??= err.message;
  if (!c.ready) c.onReady?.(err);
}

function onClose(this: Tagged, code: number): void {
  const c = this[kConn]!;
  stats.closes[code] = (stats.closes[code] ?? 0) + 1;
  if (!c.ready) c.onReady?.(new Error(`closed with ${code} before subscribing`));
  c.ready = false;
}

/** Opens `specs` connections, at most `concurrency` handshakes at a time; resolves when all are subscribed. */
export async function openAll(
  target: Target,
  specs: readonly ConnSpec[],
  concurrency: number,
  into: (BenchConn | HttpStreamConn)[],
): Promise<{ connected: number; failed: number; firstError: string | null }> {
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | null = null;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      const conn =
        spec.transport === 'xhr_streaming'
          ? new HttpStreamConn(target.app, target.ws, spec)
          : new BenchConn(target.app, target.ws, spec);
      into.push(conn);
      const err = await new Promise<Error | null>((resolve) => {
        conn.onReady = resolve;
      });
      conn.onReady = null;
      if (err) {
        failed++;
        firstError ??= err.message;
      } else connected++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, lane));
  return { connected, failed, firstError };
}
