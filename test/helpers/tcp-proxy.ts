/**
 * A tiny TCP proxy a test puts between clients and Herald to simulate a network drop: `cut()` destroys
 * every open connection and refuses new ones (accepted, then reset at once), `restore()` lets them
 * through again, `retarget()` sends the next connections to another node. `hold()` keeps what the
 * target answers from reaching the clients (nothing closes) until `release()`, and `sent()` waits for
 * a text to pass towards the target: together they stop a client mid-request at a known point.
 */

import type { AddressInfo } from 'node:net';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  /** Target side → client side, for every connection opened. */
  private readonly peers = new Map<Socket, Socket>();
  /** Target-side sockets whose bytes are held, while holding. */
  private held: Set<Socket> | null = null;
  /** Every byte sent towards the target, per connection (latin1), for `sent()`. */
  private readonly upstreamText = new Map<Socket, string>();
  private readonly sentWaiters = new Set<() => void>();
  private holdOn: { text: string; from: number } | null = null;

  private constructor(
    private readonly server: Server,
    private target: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, targetPort);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections currently passing through (client sides). */
  get open(): number {
    return this.sockets.size / 2;
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: this.target });
    this.peers.set(upstream, client);
    this.upstreamText.set(client, '');
    client.on('data', (chunk: Buffer) => {
      this.upstreamText.set(client, (this.upstreamText.get(client) ?? '') + chunk.toString('latin1'));
      // Before the pipe forwards the chunk (listened first): the answer to it is held.
      if (this.holdOn && this.sentCount(this.holdOn.text) > this.holdOn.from) {
        this.holdOn = null;
        this.hold();
      }
      for (const w of [...this.sentWaiters]) w();
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      if (a === upstream && this.held) this.held.add(upstream);
      else a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        this.peers.delete(a);
        b.destroy();
      });
    }
  }

  /** Drops every connection (both sides see a reset) and refuses new ones until `restore()`. */
  cut(): void {
    this.refusing = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  restore(): void {
    this.refusing = false;
  }

  /** Stops forwarding the target's bytes to the clients (they wait, unclosed) until `release()`. */
  hold(): void {
    this.held ??= new Set();
    for (const upstream of this.peers.keys()) {
      upstream.unpipe();
      upstream.pause();
      this.held.add(upstream);
    }
  }

  /** Holds (as `hold()`) as soon as `text` is next sent towards the target: its answer is held. */
  holdWhenSent(text: string): void {
    this.holdOn = { text, from: this.sentCount(text) };
  }

  release(): void {
    const held = this.held;
    this.held = null;
    for (const upstream of held ?? []) if (!upstream.destroyed) upstream.pipe(this.peers.get(upstream)!);
  }

  /** How many times `text` has been sent towards the target so far (over every connection). */
  sentCount(text: string): number {
    let n = 0;
    for (const all of this.upstreamText.values()) n += all.split(text).length - 1;
    return n;
  }

  /** Resolves once `text` has been sent towards the target `times` more times than `from` counted. */
  sent(text: string, from = this.sentCount(text), times = 1, ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.sentCount(text) < from + times) return;
        this.sentWaiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.sentWaiters.delete(check);
        reject(new Error(`${JSON.stringify(text)} not sent to the target within ${ms} ms`));
      }, ms);
      this.sentWaiters.add(check);
      check();
    });
  }

  /** New connections go to `port` from now on. */
  retarget(port: number): void {
    this.target = port;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
