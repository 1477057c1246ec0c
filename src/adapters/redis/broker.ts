/**
 * The Redis adapter's broker role. An envelope is delivered to local sockets synchronously, then
 * encoded once and published once on its topic: the channel's (PUBLISH, or SPUBLISH on Redis
 * Cluster, spread over the shards by hash slot), the user's, or the control topic. A node listens to
 * a channel's or user's topic only while it has local sockets there (the membership role asks), so it
 * receives no traffic for channels it does not serve. Received envelopes are delivered in their
 * origin's order (OrderGuard), without a read.
 */
import type { ServerEvents } from '../../events/server-events.js';
import type { Broker } from '../broker.js';
import type { NodeDelivery } from '../control.js';
import { type Envelope, OrderGuard, Sealer } from '../envelope.js';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec.js';
import type { RedisKeys } from './keys.js';
import type { RedisLink } from './link.js';

export class RedisBroker implements Broker {
  private readonly sealer: Sealer;
  /** Per stream and origin, the last sequence number delivered: order without a round trip. */
  private readonly order = new OrderGuard();
  /** Topics this node listens to, each with its confirmation (resolved at once while disconnected). */
  private readonly topics = new Map<string, Promise<void>>();

  constructor(
    private readonly nodeId: string,
    private readonly link: RedisLink,
    private readonly keys: RedisKeys,
    private readonly delivery: () => NodeDelivery | null,
    private readonly events?: ServerEvents,
  ) {
    this.sealer = new Sealer(nodeId);
  }

  publishable(): boolean {
    return this.link.publishable();
  }

  broadcast(envelope: Envelope): void {
    this.publish(envelope).catch(() => undefined);
  }

  /**
   * Delivers here at once, publishes once, and returns Redis's acknowledgement: a trigger answers 200
   * only once the other nodes can get the event. Rejects when Redis cannot take it.
   */
  publish(envelope: Envelope): Promise<void> {
    const sealed = this.sealer.seal(envelope);
    this.delivery()?.deliver(sealed);
    const cmd = this.link.cmd;
    if (!cmd || !this.publishable()) {
      this.link.dropped();
      return Promise.reject(new Error('Redis unavailable'));
    }
    const payload = encodeEnvelope(sealed);
    const topic = this.topicOf(envelope);
    if (this.events?.wants('adapter')) {
      this.events.emit({ type: 'adapter', op: 'publish', bytes: Buffer.byteLength(payload) });
    }
    return (this.link.cluster ? cmd.spublish(topic, payload) : cmd.publish(topic, payload)).then(
      () => undefined,
      (err: unknown) => {
        this.link.dropped();
        this.link.degrade(err, 'publish');
        throw err;
      },
    );
  }

  private topicOf(env: Envelope): string {
    switch (env.kind) {
      case 'channel':
      case 'member':
        return this.keys.channel(env.appId, env.channel).topic;
      case 'user':
      case 'terminate':
        return this.keys.userTopic(env.appId, env.userId);
      case 'watchlist':
        return this.keys.control;
    }
  }

  /** Hands what the subscriber connection receives to this node's delivery. */
  attach(): void {
    this.link.sub?.on(this.link.cluster ? 'smessage' : 'message', (_topic: string, message: string) =>
      this.receive(message),
    );
  }

  private receive(message: string): void {
    const env = decodeEnvelope(message);
    if (!env || env.origin === this.nodeId) return;
    if (this.events?.wants('adapter')) {
      this.events.emit({ type: 'adapter', op: 'receive', bytes: Buffer.byteLength(message) });
    }
    // Delivered as it arrives, in its origin's order: a member announcement that a later change
    // overtook is recognised by its membership version where it is delivered (the hub), not by a read.
    if (this.order.accept(env)) this.delivery()?.deliver(env);
  }

  /** Starts receiving a topic; resolves once Redis confirmed (at once while it is unreachable). */
  listen(topic: string): Promise<void> {
    const pending = this.topics.get(topic);
    if (pending) return pending;
    const sub = this.link.sub;
    if (!sub) return Promise.resolve();
    // While disconnected the subscription queues and ioredis replays it on reconnect.
    const done = (this.link.cluster ? sub.ssubscribe(topic) : sub.subscribe(topic)).then(
      () => undefined,
      (err: unknown) => this.link.degrade(err, 'subscribe'),
    );
    const confirmed = sub.status === 'ready' ? done : Promise.resolve();
    this.topics.set(topic, confirmed);
    return confirmed;
  }

  /** The confirmation of a topic this node listens to (or is starting to), if any. */
  listening(topic: string): Promise<void> | undefined {
    return this.topics.get(topic);
  }

  /** Stops receiving a topic; `stream` is its order stream, forgotten with it. */
  unlisten(topic: string, stream: string): void {
    this.order.forget(stream);
    const sub = this.link.sub;
    if (!this.topics.delete(topic) || !sub) return;
    (this.link.cluster ? sub.sunsubscribe(topic) : sub.unsubscribe(topic)).catch(() => undefined);
  }

  /** A dead node's sequence numbers are forgotten (its id never comes back). */
  forgetOrigin(nodeId: string): void {
    this.order.forgetOrigin(nodeId);
  }
}
