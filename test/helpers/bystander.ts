/**
 * The client every fault test keeps alongside the attack: an official pusher-js subscriber on a public
 * channel while numbered events are triggered through the official SDK, before, during and after. It
 * must receive every event answered 200, in order, whatever the attacker does.
 */
import assert from 'node:assert/strict';
import type PusherServer from 'pusher';
import { PusherJs } from './pusher-js.js';
import { sdkFor } from './sdk.js';

export interface Target {
  port: number;
  app: { id: string; key: string; secret: string };
}

export class Bystander {
  readonly received: number[] = [];
  private sent = 0;
  private pumping: Promise<void> | null = null;
  private stopped = false;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly client: PusherJs,
    private readonly sdk: PusherServer,
    readonly channel: string,
  ) {}

  static async start(target: Target, channel = 'bystander'): Promise<Bystander> {
    const client = new PusherJs(target.app.key, {
      cluster: 'mt1',
      wsHost: '127.0.0.1',
      wsPort: target.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
    } as never);
    const sdk = sdkFor(target);
    const b = new Bystander(client, sdk, channel);
    const ch = client.subscribe(channel);
    ch.bind('tick', (data: { n: number }) => {
      b.received.push(data.n);
      for (const w of b.waiters.splice(0)) w();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bystander did not subscribe')), 10_000);
      ch.bind('pusher:subscription_succeeded', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return b;
  }

  /** Triggers one numbered event; resolves once the server answered 200. */
  async publish(): Promise<void> {
    const n = this.sent;
    const res = await this.sdk.trigger(this.channel, 'tick', { n });
    assert.equal(res.status, 200);
    this.sent = n + 1;
  }

  /** Keeps publishing, one event after another, until `stop`. */
  start(): void {
    this.stopped = false;
    this.pumping = (async () => {
      while (!this.stopped) await this.publish();
    })();
    // `stop` reports a failed trigger; after `close` (the test already failed) it must not surface alone.
    this.pumping.catch(() => undefined);
  }

  /** Stops publishing and asserts every event sent so far arrived, in order, within `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    await this.pumping;
    this.pumping = null;
    await this.assertAllReceived(timeoutMs);
  }

  /** One more event, then every event sent so far must have arrived, in order. */
  async assertAllReceived(timeoutMs = 10_000): Promise<void> {
    await this.publish();
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < this.sent && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    assert.deepEqual(
      this.received,
      Array.from({ length: this.sent }, (_, i) => i),
      `bystander got ${this.received.length} of ${this.sent} events`,
    );
  }

  get count(): number {
    return this.sent;
  }

  close(): void {
    this.stopped = true;
    this.client.disconnect();
  }
}
