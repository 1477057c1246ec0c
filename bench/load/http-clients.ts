/**
 * Load clients on pusher-js's xhr_streaming transport, written from the wire format (SockJS-style
 * lines: `o`, `h`, `a[…]`, `c[…]`) as cheaply as the WebSocket ones: lines are split on bytes, and a
 * delivery is recognised by its stamp without parsing JSON.
 */
import { Agent, type IncomingMessage, request } from 'node:http';
import { readStamp } from '../lib/clock.js';
import { httpBase, subscribeMessage, type TargetApp } from '../lib/pusher-wire.js';
import { countDelivery, countError, stats } from './clients.js';
import type { ConnSpec } from './protocol.js';

const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const NEWLINE = 0x0a;
const ESTABLISHED = Buffer.from('connection_established');
const SUCCEEDED = Buffer.from('subscription_succeeded');
const ERROR = Buffer.from('pusher:error');
const kConn = Symbol('bench.httpConn');
type Tagged = IncomingMessage & { [kConn]?: HttpStreamConn };

let sessions = 0;

export class HttpStreamConn {
  ready = false;
  socketId = '';
  pendingSubs = 0;
  onReady: ((err: Error | null) => void) | null = null;
  private readonly base: string;
  private rest: Buffer | null = null;
  private response: IncomingMessage | null = null;

  constructor(
    readonly app: TargetApp,
    url: string,
    readonly spec: ConnSpec,
  ) {
    sessions++;
    const id = `${sessions % 1000}/${process.pid.toString(32)}${sessions.toString(32)}`;
    this.base = `${httpBase(url)}/pusher/app/${app.key}/${id}`;
    const req = request(`${this.base}/xhr_streaming?protocol=7&client=herald-bench&version=1.0`, {
      method: 'POST',
      agent,
    });
    req.on('response', (res: IncomingMessage) => {
      this.response = res;
      (res as Tagged)[kConn] = this;
      if (res.statusCode !== 200) this.fail(`stream answered ${res.statusCode}`);
      res.on('data', onData);
      res.on('end', onEnd);
      res.on('error', onEnd);
    });
    req.on('error', (err) => this.fail(err.message));
    req.end();
  }

  /** One line of the stream (without its newline). */
  line(line: Buffer): void {
    const kind = line[0];
    if (kind === 0x61 /* a */) {
      const t = readStamp(line);
      if (t >= 0) countDelivery(t);
      else this.control(line);
    } else if (kind === 0x68 /* h */) {
      this.post('[]');
    } else if (kind === 0x63 /* c */) {
      const code = String((JSON.parse(line.subarray(1).toString()) as [number])[0]);
      stats.closes[code] = (stats.closes[code] ?? 0) + 1;
      this.ready = false;
    }
  }

  feed(chunk: Buffer): void {
    let data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let nl = data.indexOf(NEWLINE);
    while (nl >= 0) {
      this.line(data.subarray(0, nl));
      data = data.subarray(nl + 1);
      nl = data.indexOf(NEWLINE);
    }
    if (data.length > 0) this.rest = Buffer.from(data);
  }

  private control(line: Buffer): void {
    if (line.indexOf(SUCCEEDED) >= 0) {
      if (--this.pendingSubs === 0 && !this.ready) {
        this.ready = true;
        this.onReady?.(null);
      }
    } else if (line.indexOf(ESTABLISHED) >= 0) {
      const [text] = JSON.parse(line.subarray(1).toString()) as [string];
      const msg = JSON.parse(text) as { data: string };
      this.socketId = (JSON.parse(msg.data) as { socket_id: string }).socket_id;
      this.pendingSubs = this.spec.channels.length;
      // One post per message, as pusher-js sends them.
      for (const ch of this.spec.channels) this.post(JSON.stringify([subscribeMessage(ch)]));
    } else if (line.indexOf(ERROR) >= 0) {
      this.fail(line.toString().slice(0, 300));
    }
  }

  private post(body: string): void {
    const req = request(`${this.base}/xhr_send`, {
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 204) countError(`xhr_send answered ${res.statusCode}`);
      res.resume();
    });
    req.on('error', (err) => countError(err.message));
    req.end(body);
  }

  fail(message: string): void {
    countError(message);
    if (!this.ready) this.onReady?.(new Error(message));
  }

  close(): void {
    this.response?.destroy();
  }
}

function onData(this: Tagged, chunk: Buffer): void {
  this[kConn]?.feed(chunk);
}

function onEnd(this: Tagged): void {
  const c = this[kConn];
  if (!c) return;
  stats.closes['stream-ended'] = (stats.closes['stream-ended'] ?? 0) + 1;
  if (!c.ready) c.onReady?.(new Error('stream ended before subscribing'));
  c.ready = false;
}
