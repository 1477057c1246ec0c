/**
 * A real HTTP webhook receiver for tests. Every request is checked with the official `pusher` SDK's
 * `webhook(...).isValid()`; the answer is programmable: a status, `hang` (never answers, so the
 * sender times out) or `refuse` (the port stops accepting connections).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import PusherServer from 'pusher';

export interface WebhookEventJson {
  name: string;
  channel: string;
  user_id?: string;
  event?: string;
  data?: string;
  socket_id?: string;
  subscription_count?: number;
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  valid: boolean;
  timeMs: number;
  events: WebhookEventJson[];
  id: string;
  /** What the receiver answered: a status, or 0 when it hung / refused. */
  answered: number;
  path: string;
}

export type ReceiverMode = number | 'hang';

export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  mode: ReceiverMode = 200;
  /** Body of every answer (a receiver's own words, shown by the console). */
  answerBody = 'ok';
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private waiters: (() => void)[] = [];
  private listening = true;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(app: { id: string; key: string; secret: string }, port = 0): Promise<WebhookReceiver> {
    const pusher = new PusherServer({ appId: app.id, key: app.key, secret: app.secret, cluster: 'mt1' });
    let self: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const hook = pusher.webhook({ headers: req.headers, rawBody });
        const valid = hook.isValid();
        let timeMs = Number.NaN;
        let events: WebhookEventJson[] = [];
        if (valid) {
          timeMs = hook.getTime().getTime();
          events = hook.getEvents() as WebhookEventJson[];
        }
        const r = self!;
        const mode = r.mode;
        r.requests.push({
          headers: req.headers,
          rawBody,
          valid,
          timeMs,
          events,
          id: String(req.headers['x-herald-webhook-id'] ?? ''),
          answered: mode === 'hang' ? 0 : mode,
          path: req.url ?? '',
        });
        r.notify();
        if (mode === 'hang') {
          r.hanging.add(res);
          return;
        }
        res.writeHead(mode, { 'content-type': 'text/plain' }).end(r.answerBody);
      });
    });
    server.on('connection', (s: Socket) => {
      self?.sockets.add(s);
      s.once('close', () => self?.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    self = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    return self;
  }

  url(path = '/webhooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests answered with a 2xx. */
  get accepted(): ReceivedWebhook[] {
    return this.requests.filter((r) => r.answered >= 200 && r.answered < 300);
  }

  /** Events of the requests answered with a 2xx (what a receiver "received"). */
  acceptedEvents(path?: string): WebhookEventJson[] {
    return this.accepted.filter((r) => path === undefined || r.path === path).flatMap((r) => r.events);
  }

  /** Stops accepting connections: senders get ECONNREFUSED. */
  async refuse(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    this.releaseHanging();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Accepts connections again on the same port. */
  async accept(): Promise<void> {
    if (this.listening) return;
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.listening = true;
  }

  /** Resolves when `check` holds, re-checked on every request; rejects after `ms` with `what`. */
  waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; got ${this.requests.length} requests`));
      }, ms);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    this.releaseHanging();
    for (const s of this.sockets) s.destroy();
    if (this.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.listening = false;
  }

  /** Drops every request held by `hang`: their senders see the connection end without an answer. */
  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
