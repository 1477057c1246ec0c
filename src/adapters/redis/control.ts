/**
 * The Redis adapter's control role: connecting (or running alone while Redis is unreachable), the
 * heartbeat that is this node's lease (node-registry.ts), reaping dead nodes and writing this node's
 * share back after an outage (share-sync.ts), telling the hub what its sockets missed meanwhile, and
 * leaving the cluster.
 */

import type { ChannelRegistry } from '../../channels/registry.js';
import type { ServerEvents } from '../../events/server-events.js';
import type { Logger } from '../../logging/logger.js';
import type { ClusterNews, Control, NodeDelivery } from '../control.js';
import type { RedisBroker } from './broker.js';
import type { RedisKeys } from './keys.js';
import type { RedisLink } from './link.js';
import type { RedisMembership } from './membership.js';
import { NodeRegistry } from './node-registry.js';
import { defineScripts } from './scripts.js';
import { ShareSync } from './share-sync.js';

export interface RedisControlDeps {
  nodeId: string;
  link: RedisLink;
  keys: RedisKeys;
  registry: ChannelRegistry;
  broker: RedisBroker;
  membership: RedisMembership;
  /** Seconds without a heartbeat after which a node's memberships are removed. */
  nodeTimeout: number;
  logger: Logger;
  events?: ServerEvents;
  connectTimeoutMs?: number;
}

export class RedisControl implements Control {
  readonly nodeId: string;
  /** Where envelopes and cleanup news go: this node's hub, from `start` to `close`. */
  delivery: NodeDelivery | null = null;
  /** Where a dead node's cleanup and a write-back's changes are announced from. */
  private news: ClusterNews | null = null;
  private registry: NodeRegistry | null = null;
  private sync: ShareSync | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  /** The first connection attempt finished (connected and written back, or timed out). */
  private started = false;
  /** Redis answered a command with an error while connected: write our share back on the next beat. */
  private repair = false;
  private beating: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  /** The next write-back follows a reap of this node: its transitions are announced (not quiet). */
  private announceNext = false;

  constructor(private readonly d: RedisControlDeps) {
    this.nodeId = d.nodeId;
    d.link.hooks = {
      refused: () => {
        this.repair = true;
      },
      // Sockets came and went meanwhile: the next beat writes this node's share back either way.
      recovered: () => {
        this.repair = true;
        this.scheduleReconcile();
      },
    };
  }

  private get link(): RedisLink {
    return this.d.link;
  }

  async start(delivery: NodeDelivery, news?: ClusterNews): Promise<void> {
    this.delivery = delivery;
    this.news = news ?? null;
    const { link, keys, logger } = this.d;
    const { cmd, sub } = link.open();
    defineScripts(cmd);
    this.sync = new ShareSync({
      cmd,
      keys,
      nodeId: this.nodeId,
      registry: this.d.registry,
      logger,
      news: () => this.news,
      broadcast: (env) => this.d.broker.broadcast(env),
    });
    this.registry = new NodeRegistry(cmd, keys, this.nodeId, this.d.nodeTimeout * 1000, {
      unregistered: (first, reaped) => {
        if (!first) {
          logger.warn(
            { reaped },
            reaped
              ? 'Other nodes presumed this node dead: writing its state back and announcing its members again'
              : 'Redis had no record of this node (it lost its data): writing its state back',
          );
        }
        this.repair = false;
        this.resync(reaped);
        if (!first) this.scheduleReconcile();
      },
      reap: async (id) => {
        await this.sync!.reap(id);
        this.d.broker.forgetOrigin(id);
      },
      failed: (err) => link.degrade(err, 'heartbeat'),
      beaten: (ms) => {
        if (this.d.events?.wants('adapter_rtt')) this.d.events.emit({ type: 'adapter_rtt', ms });
        // Commands timed out (a frozen Redis) without the connection dropping: a beat that succeeds
        // again is the end of that outage.
        if (link.outage && link.cmd?.status === 'ready') link.recovered();
        if (!this.repair) return;
        this.repair = false;
        this.resync();
      },
    });

    cmd.on('error', (err: Error) => link.degrade(err, 'connection'));
    // The subscriber reconnects and resubscribes on its own; what it misses meanwhile is lost, as
    // with any outage, so it is only reported.
    let subDown = false;
    sub.on('error', (err: Error) => {
      if (subDown || link.closed) return;
      subDown = true;
      logger.error({ err: err.message }, 'Redis subscriber connection lost: cross-node delivery paused');
    });
    sub.on('ready', () => {
      if (subDown) logger.warn('Redis subscriber connection back');
      subDown = false;
    });
    cmd.on('close', () => link.degrade(null, 'connection'));
    cmd.on('ready', () => this.up());
    this.d.broker.attach();

    // Start on the first answer: connected, refused (run alone and keep retrying), or no answer in time.
    const ready = new Promise<void>((resolve) => {
      cmd.once('ready', () => resolve());
      cmd.once('error', () => resolve());
      setTimeout(resolve, this.d.connectTimeoutMs ?? 5000).unref();
    });
    cmd.connect().catch(() => undefined);
    sub.connect().catch(() => undefined);
    void this.d.broker.listen(keys.control);
    this.registry.start();
    await ready;
    if (this.beating) await this.beating;
    if (this.syncing) await this.syncing;
    this.started = true;
    if (cmd.status !== 'ready') {
      logger.error(
        { redis: link.target.where },
        'Redis is not reachable: running alone (local delivery only) and retrying in the background',
      );
    }
  }

  /**
   * True once started. A Redis outage does not make the node unready: it hits every node alike, and a
   * load balancer taking them all out would turn a degraded cluster into a dead one (see docs).
   */
  ready(): boolean {
    return this.started && !this.link.closed;
  }

  /**
   * Why this node answers for itself alone, or null while Redis answers. /ready reports it: the node
   * stays in the load balancer (it still serves its own clients) but operators see it.
   */
  degraded(): string | null {
    if (!this.link.outage) return null;
    return 'redis unreachable: cross-node delivery paused, triggers refused with 503';
  }

  /** The command connection is (back) up: re-register, write our share back, report the outage. */
  private up(): void {
    if (this.link.closed) return;
    this.registry?.reconnected(Date.now());
    if (this.link.outage) this.link.recovered();
    this.beating = this.registry?.beat() ?? null;
  }

  /** Makes Redis hold exactly this node's share again; runs once at a time, again if asked meanwhile. */
  private resync(announce = false): void {
    if (announce) this.announceNext = true;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const loud = this.announceNext;
    this.announceNext = false;
    this.syncing = this.sync!.writeBack(loud)
      .catch((err: unknown) => this.link.degrade(err, 'resynchronise'))
      .finally(() => {
        this.syncing = null;
        if (this.syncAgain && !this.link.closed) {
          this.syncAgain = false;
          this.resync();
        }
      });
  }

  /**
   * After an outage, once the other nodes had time to write their share back, hands the cluster's
   * members of every presence channel served here to the hub, which tells its sockets what they
   * missed (announcements published while this node's pub/sub was reconnecting).
   */
  private scheduleReconcile(): void {
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null;
      if (this.link.cmd?.status !== 'ready' || this.link.sub?.status !== 'ready') {
        if (!this.link.closed) this.scheduleReconcile();
        return;
      }
      void this.reconcile().catch((err: unknown) => this.link.degrade(err, 'reconcile presence'));
    }, this.registry?.deadAfterMs ?? 1000);
    this.reconcileTimer.unref();
  }

  private async reconcile(): Promise<void> {
    for (const [appId, channel] of [...this.d.registry.shares()]) {
      if (!channel.startsWith('presence-')) continue;
      const cmd = this.link.cmd;
      if (!cmd) return;
      const snapshot = await this.d.membership.clusterSnapshot(cmd, appId, channel);
      this.delivery?.membersNow?.(appId, channel, snapshot);
    }
  }

  /** Stops at once without leaving, as a killed process would: for fault drills and tests. */
  abandon(): void {
    this.link.closed = true;
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.registry?.stop();
    this.delivery = null;
    this.news = null;
    this.link.cmd?.disconnect();
    this.link.sub?.disconnect();
  }

  async close(): Promise<void> {
    if (this.link.closed) return;
    this.link.closed = true;
    const { cmd, sub } = this.link;
    const keys = this.d.keys;
    try {
      if (this.syncing) await this.syncing;
      if (cmd?.status === 'ready') {
        // Connections were closed (and left) before this; anything still held leaves without events.
        this.delivery = null;
        this.news = null;
        await this.sync?.leave();
        await this.registry?.leave();
        await cmd.del(keys.nodeChannels(this.nodeId), keys.nodeUsers(this.nodeId));
      }
    } catch (err) {
      this.d.logger.warn({ err }, 'Could not leave the Redis cluster cleanly; others will reap this node');
    } finally {
      if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
      this.registry?.stop();
      this.delivery = null;
      this.news = null;
      cmd?.disconnect();
      sub?.disconnect();
    }
  }
}
