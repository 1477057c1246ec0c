/**
 * The console across nodes, over the Redis the adapter uses, on one topic of its own. A node with an
 * open console asks for samples ("want") every two seconds; every node that heard a want in the last
 * five seconds publishes its per-second sample. A question for every node (a user's connections) is
 * asked on the same topic and answered by each node within a deadline. Nobody watching: nothing flows.
 */
import { randomUUID } from 'node:crypto';
import { parseRedisUrl, type RedisClient } from '../adapters/redis/connect.js';
import type { Logger } from '../logging/logger.js';
import type { NodeSample } from './stats.js';

export interface PeerQuestion {
  q: 'user';
  app: string;
  user: string;
}

type Message =
  | { k: 'want'; from: string }
  | { k: 'sample'; s: NodeSample }
  | { k: 'ask'; id: string; from: string; q: PeerQuestion }
  | { k: 'answer'; id: string; to: string; node: string; data: unknown };

export interface PeerHooks {
  /** Another node's console is open: sample and publish for a while. */
  wanted(): void;
  sample(s: NodeSample): void;
  answer(q: PeerQuestion): unknown;
}

export interface PeerAnswer {
  node: string;
  data: unknown;
}

export class ConsolePeers {
  private readonly cmd: RedisClient;
  private readonly sub: RedisClient;
  private readonly topic: string;
  private readonly sharded: boolean;
  private readonly asks = new Map<string, PeerAnswer[]>();

  constructor(
    url: string,
    prefix: string,
    private readonly node: string,
    private readonly hooks: PeerHooks,
    private readonly logger: Logger,
  ) {
    const target = parseRedisUrl(url);
    this.sharded = target.mode === 'cluster';
    this.cmd = target.create('command');
    this.sub = target.create('subscriber');
    this.topic = `${prefix}:console`;
    // Errors are the adapter's to report; the console only loses its cross-node view meanwhile.
    this.cmd.on('error', () => undefined);
    this.sub.on('error', () => undefined);
  }

  /** Connects in the background: a Redis that is down at start must not hold Herald's start. */
  start(): void {
    this.sub.on(this.sharded ? 'smessage' : 'message', (_topic: string, text: string) => this.receive(text));
    Promise.all([this.cmd.connect(), this.sub.connect()]).catch((err: unknown) =>
      this.logger.warn({ err }, 'console: Redis unreachable; other nodes are not shown until it is back'),
    );
    // The subscriber queues this until it is connected, and subscribes again after a reconnect.
    (this.sharded ? this.sub.ssubscribe(this.topic) : this.sub.subscribe(this.topic)).catch(() => undefined);
  }

  want(): void {
    this.send({ k: 'want', from: this.node });
  }

  publishSample(s: NodeSample): void {
    this.send({ k: 'sample', s });
  }

  /** Asks every other node; resolves with the answers that came within `timeoutMs`. */
  async gather(q: PeerQuestion, timeoutMs: number): Promise<PeerAnswer[]> {
    const id = randomUUID();
    const answers: PeerAnswer[] = [];
    this.asks.set(id, answers);
    this.send({ k: 'ask', id, from: this.node, q });
    await new Promise((resolve) => setTimeout(resolve, timeoutMs));
    this.asks.delete(id);
    return answers;
  }

  async close(): Promise<void> {
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private send(m: Message): void {
    const text = JSON.stringify(m);
    const sent = this.sharded ? this.cmd.spublish(this.topic, text) : this.cmd.publish(this.topic, text);
    sent.catch(() => undefined);
  }

  private receive(text: string): void {
    let m: Message;
    try {
      m = JSON.parse(text) as Message;
    } catch {
      return;
    }
    switch (m.k) {
      case 'want':
        if (m.from !== this.node) this.hooks.wanted();
        return;
      case 'sample':
        if (m.s.node !== this.node) this.hooks.sample(m.s);
        return;
      case 'ask':
        if (m.from !== this.node)
          this.send({ k: 'answer', id: m.id, to: m.from, node: this.node, data: this.hooks.answer(m.q) });
        return;
      case 'answer':
        if (m.to === this.node) this.asks.get(m.id)?.push({ node: m.node, data: m.data });
        return;
    }
  }
}
