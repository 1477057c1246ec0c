/**
 * The Redis adapter's two connections (commands, pub/sub) and its outage state, shared by its three
 * roles. `orLocal` is the one place where an outage turns into a local answer: every membership read
 * and write goes through it.
 */
import type { Logger } from '../../logging/logger.js';
import { parseRedisUrl, type RedisClient, type RedisTarget } from './connect.js';

export interface LinkHooks {
  /** Redis is reachable but refused a command: this node's share needs writing back. */
  refused(): void;
  /** Redis answers again after an outage. */
  recovered(): void;
}

export class RedisLink {
  readonly target: RedisTarget;
  cmd: RedisClient | null = null;
  sub: RedisClient | null = null;
  closed = false;
  /** Set while Redis is out of reach: when it started and what was skipped meanwhile. */
  outage: { since: number; dropped: number; localAnswers: number } | null = null;
  hooks: LinkHooks = { refused: () => undefined, recovered: () => undefined };

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    this.target = parseRedisUrl(url);
  }

  get cluster(): boolean {
    return this.target.mode === 'cluster';
  }

  /** Creates both connections (not yet connected). */
  open(): { cmd: RedisClient; sub: RedisClient } {
    const cmd = this.target.create('command');
    const sub = this.target.create('subscriber');
    this.cmd = cmd;
    this.sub = sub;
    return { cmd, sub };
  }

  /** While Redis is out of reach a trigger cannot reach the other nodes: refuse it (503) rather than lose it. */
  publishable(): boolean {
    return !this.outage && this.cmd?.status === 'ready';
  }

  degrade(err: unknown, what: string): void {
    if (this.closed) return;
    // A command timeout is Redis not answering (frozen, or the network to it): an outage like a
    // dropped connection, even though the connection still looks up.
    const timedOut = err instanceof Error && /timed? ?out/i.test(err.message);
    if (this.cmd?.status === 'ready' && !this.outage && !timedOut) {
      this.logger.error(
        { what, err: err instanceof Error ? err.message : err },
        'Redis command failed: this node will write its state back',
      );
      this.hooks.refused();
      return;
    }
    if (this.outage) return;
    this.outage = { since: Date.now(), dropped: 0, localAnswers: 0 };
    this.logger.error(
      { redis: this.target.where, what, ...(err instanceof Error ? { err: err.message } : {}) },
      'Redis unavailable: local delivery continues; cross-node delivery is paused and channel counts, ' +
        'presence members and users answer for this node only until it reconnects',
    );
  }

  /** Ends an outage (a reconnect, or a heartbeat that succeeds again after a freeze). */
  recovered(): void {
    const o = this.outage;
    if (!o) return;
    this.logger.warn(
      {
        redis: this.target.where,
        downMs: Date.now() - o.since,
        crossNodeMessagesDropped: o.dropped,
        localOnlyAnswers: o.localAnswers,
      },
      'Redis is back: resynchronising this node’s subscriptions, presence members and users',
    );
    this.outage = null;
    this.hooks.recovered();
  }

  /** A cross-node message could not be sent (counted for the outage report). */
  dropped(): void {
    if (this.outage) this.outage.dropped++;
  }

  private online(): boolean {
    if (this.cmd?.status === 'ready' && !this.outage) return true;
    if (this.outage) this.outage.localAnswers++;
    return false;
  }

  /** Answers from Redis, or from this node's share while Redis is out of reach (reported once). */
  async orLocal<T>(what: string, remote: (cmd: RedisClient) => Promise<T>, local: () => T): Promise<T> {
    const cmd = this.cmd;
    if (!cmd || !this.online()) return local();
    try {
      return await remote(cmd);
    } catch (err) {
      this.degrade(err, what);
      return local();
    }
  }
}
