/**
 * The Redis adapter: many Herald nodes behind a load balancer behave as one. Its roles live in redis/:
 *
 * - broker.ts: an envelope is delivered here synchronously, then published once on its topic; a node
 *   listens to a channel's topic only while it has local subscribers there;
 * - membership.ts: Lua scripts over per-channel hashes return cluster-wide answers; while Redis is out
 *   of reach, this node's own share answers (link.ts `orLocal`);
 * - control.ts: the heartbeat lease, reaping dead nodes, writing this node's share back after an
 *   outage, leaving.
 *
 * They share the connections and the outage state (link.ts); this node's share is read from and written
 * to the node's channel registry (src/channels/registry.ts), never kept a second time.
 */
import { randomUUID } from 'node:crypto';
import { ChannelRegistry } from '../channels/registry.js';
import type { ServerEvents } from '../events/server-events.js';
import type { Logger } from '../logging/logger.js';
import { ComposedAdapter } from './composed-adapter.js';
import { RedisBroker } from './redis/broker.js';
import { RedisControl } from './redis/control.js';
import { RedisKeys } from './redis/keys.js';
import { RedisLink } from './redis/link.js';
import { RedisMembership } from './redis/membership.js';

export interface RedisAdapterOptions {
  url: string;
  /** Prefix of every key and topic; nodes of one cluster share it. */
  prefix: string;
  /** Seconds without a heartbeat after which a node's memberships are removed. */
  nodeTimeout: number;
  logger: Logger;
  events?: ServerEvents;
  /** How long `start` waits for Redis before running degraded (it keeps reconnecting). */
  connectTimeoutMs?: number;
  /** This node's channel registry, where its share is kept (a fresh one when absent). */
  registry?: ChannelRegistry;
}

export class RedisAdapter extends ComposedAdapter {
  readonly keys: RedisKeys;
  private readonly redisControl: RedisControl;

  constructor(opts: RedisAdapterOptions) {
    const nodeId = randomUUID();
    const keys = new RedisKeys(opts.prefix);
    const link = new RedisLink(opts.url, opts.logger);
    const registry = opts.registry ?? new ChannelRegistry();
    let control: RedisControl | null = null;
    const broker = new RedisBroker(nodeId, link, keys, () => control?.delivery ?? null, opts.events);
    const membership = new RedisMembership(nodeId, link, keys, registry, broker);
    control = new RedisControl({ ...opts, nodeId, link, keys, registry, broker, membership });
    super(registry, broker, membership, control);
    this.keys = keys;
    this.redisControl = control;
  }

  /** Stops at once without leaving, as a killed process would: for fault drills and tests. */
  abandon(): void {
    this.redisControl.abandon();
  }
}
