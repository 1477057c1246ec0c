/**
 * The Redis adapter: many Herald nodes behind a load balancer behave as one.
 *
 * - Data plane: an envelope is delivered to local sockets synchronously, then encoded once and
 *   published once on its channel's topic. A node subscribes to a channel's topic only while it has
 *   local subscribers there, so it receives no traffic for channels it does not serve. With Redis
 *   Cluster the topics are sharded (SPUBLISH/SSUBSCRIBE) and spread over the shards by hash slot.
 * - Membership: per channel hashes (socket → node, presence socket → user, user → info) changed by
 *   Lua scripts that return cluster-wide counts, so first/last transitions are decided once.
 *   Every entry names its node: the node's heartbeat is its lease, and when the lease lapses another
 *   node reaps the entries and announces the leaves (node-registry.ts).
 * - Outages: this node's own share is also kept in memory (NodeMemberships). While Redis is out of
 *   reach, answers come from it (local-only, logged as degraded) and local delivery goes on; on
 *   reconnect the node writes its share back with one script per channel and announces what changed.
 */
import { randomUUID } from 'node:crypto';
import type { ServerEvents } from '../events/server-events.js';
import type { Logger } from '../logging/logger.js';
import type {
  Adapter,
  CachedEvent,
  ChannelStats,
  Envelope,
  MemberChange,
  NodeDelivery,
  PresenceMember,
  PresenceSnapshot,
} from './adapter.js';
import { channelStream, OrderGuard, Sealer, userStream } from './envelope.js';
import { NodeMemberships } from './node-memberships.js';
import { parseRedisUrl, type RedisClient, type RedisTarget } from './redis/connect.js';
import { decodeEnvelope, encodeEnvelope } from './redis/envelope-codec.js';
import { pairKey, RedisKeys, splitPair } from './redis/keys.js';
import { NodeRegistry } from './redis/node-registry.js';
import { defineScripts, runScript } from './redis/scripts.js';
import { decodeInfo, encodeInfo, forgetChannel, ShareSync } from './redis/share-sync.js';

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
}

const isPresence = (channel: string) => channel.startsWith('presence-');

export class RedisAdapter implements Adapter {
  readonly nodeId = randomUUID();
  readonly keys: RedisKeys;
  private readonly target: RedisTarget;
  private cmd: RedisClient | null = null;
  private sub: RedisClient | null = null;
  private registry: NodeRegistry | null = null;
  private sync: ShareSync | null = null;
  private delivery: NodeDelivery | null = null;
  /** What this node's sockets hold: answers while Redis is away, and what is written back after. */
  private readonly held = new NodeMemberships();
  /** Topics this node listens to, each with its confirmation (resolved at once while disconnected). */
  private readonly topics = new Map<string, Promise<void>>();
  private readonly sealer = new Sealer(this.nodeId);
  /** Per stream and origin, the last sequence number delivered: order without a round trip. */
  private readonly order = new OrderGuard();
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
  private closed = false;
  /** Set while Redis is out of reach: when it started and what was skipped meanwhile. */
  private outage: { since: number; dropped: number; localAnswers: number } | null = null;

  constructor(private readonly opts: RedisAdapterOptions) {
    this.keys = new RedisKeys(opts.prefix);
    this.target = parseRedisUrl(opts.url);
  }

  private get cluster(): boolean {
    return this.target.mode === 'cluster';
  }

  async start(delivery: NodeDelivery): Promise<void> {
    this.delivery = delivery;
    const cmd = this.target.create('command');
    const sub = this.target.create('subscriber');
    this.cmd = cmd;
    this.sub = sub;
    defineScripts(cmd);
    this.sync = new ShareSync({
      cmd,
      keys: this.keys,
      nodeId: this.nodeId,
      held: this.held,
      logger: this.opts.logger,
      delivery: () => this.delivery,
      broadcast: (env) => this.broadcast(env),
    });
    this.registry = new NodeRegistry(cmd, this.keys, this.nodeId, this.opts.nodeTimeout * 1000, {
      unregistered: (first, reaped) => {
        if (!first) {
          this.opts.logger.warn(
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
        this.order.forgetOrigin(id);
      },
      failed: (err) => this.degrade(err, 'heartbeat'),
      beaten: (ms) => {
        if (this.opts.events?.wants('adapter_rtt')) this.opts.events.emit({ type: 'adapter_rtt', ms });
        // Commands timed out (a frozen Redis) without the connection dropping: a beat that succeeds
        // again is the end of that outage.
        if (this.outage && this.cmd?.status === 'ready') this.recovered();
        if (!this.repair) return;
        this.repair = false;
        this.resync();
      },
    });

    cmd.on('error', (err: Error) => this.degrade(err, 'connection'));
    // The subscriber reconnects and resubscribes on its own; what it misses meanwhile is lost, as
    // with any outage, so it is only reported.
    let subDown = false;
    sub.on('error', (err: Error) => {
      if (subDown || this.closed) return;
      subDown = true;
      this.opts.logger.error(
        { err: err.message },
        'Redis subscriber connection lost: cross-node delivery paused',
      );
    });
    sub.on('ready', () => {
      if (subDown) this.opts.logger.warn('Redis subscriber connection back');
      subDown = false;
    });
    cmd.on('close', () => this.degrade(null, 'connection'));
    cmd.on('ready', () => this.up());
    const onMessage = (_topic: string, message: string) => this.receive(message);
    sub.on(this.cluster ? 'smessage' : 'message', onMessage);

    // Start on the first answer: connected, refused (run alone and keep retrying), or no answer in time.
    const ready = new Promise<void>((resolve) => {
      cmd.once('ready', () => resolve());
      cmd.once('error', () => resolve());
      setTimeout(resolve, this.opts.connectTimeoutMs ?? 5000).unref();
    });
    cmd.connect().catch(() => undefined);
    sub.connect().catch(() => undefined);
    this.listen(this.keys.control);
    this.registry.start();
    await ready;
    if (this.beating) await this.beating;
    if (this.syncing) await this.syncing;
    this.started = true;
    if (cmd.status !== 'ready') {
      this.opts.logger.error(
        { redis: this.target.where },
        'Redis is not reachable: running alone (local delivery only) and retrying in the background',
      );
    }
  }

  /**
   * True once started. A Redis outage does not make the node unready: it hits every node alike, and a
   * load balancer taking them all out would turn a degraded cluster into a dead one (see docs).
   */
  ready(): boolean {
    return this.started && !this.closed;
  }

  /**
   * Why this node answers for itself alone, or null while Redis answers. /ready reports it: the node
   * stays in the load balancer (it still serves its own clients) but operators see it.
   */
  degraded(): string | null {
    if (!this.outage) return null;
    return 'redis unreachable: cross-node delivery paused, triggers refused with 503';
  }

  /** While Redis is out of reach a trigger cannot reach the other nodes: refuse it (503) rather than lose it. */
  publishable(): boolean {
    return !this.outage && this.cmd?.status === 'ready';
  }

  /** The command connection is (back) up: re-register, write our share back, report the outage. */
  private up(): void {
    if (this.closed) return;
    this.registry?.reconnected(Date.now());
    if (this.outage) this.recovered();
    this.beating = this.registry?.beat() ?? null;
  }

  private recovered(): void {
    const o = this.outage;
    if (!o) return;
    this.opts.logger.warn(
      {
        redis: this.target.where,
        downMs: Date.now() - o.since,
        crossNodeMessagesDropped: o.dropped,
        localOnlyAnswers: o.localAnswers,
      },
      'Redis is back: resynchronising this node’s subscriptions, presence members and users',
    );
    this.outage = null;
    // Sockets came and went meanwhile: the next beat writes this node's share back either way.
    this.repair = true;
    this.scheduleReconcile();
  }

  private degrade(err: unknown, what: string): void {
    if (this.closed) return;
    // A command timeout is Redis not answering (frozen, or the network to it): an outage like a
    // dropped connection, even though the connection still looks up.
    const timedOut = err instanceof Error && /timed? ?out/i.test(err.message);
    if (this.cmd?.status === 'ready' && !this.outage && !timedOut) {
      // Redis is reachable but refused a command: repair this node's share on the next heartbeat.
      this.repair = true;
      this.opts.logger.error(
        { what, err: err instanceof Error ? err.message : err },
        'Redis command failed: this node will write its state back',
      );
      return;
    }
    if (this.outage) return;
    this.outage = { since: Date.now(), dropped: 0, localAnswers: 0 };
    this.opts.logger.error(
      { redis: this.target.where, what, ...(err instanceof Error ? { err: err.message } : {}) },
      'Redis unavailable: local delivery continues; cross-node delivery is paused and channel counts, ' +
        'presence members and users answer for this node only until it reconnects',
    );
  }

  private online(): boolean {
    if (this.cmd?.status === 'ready' && !this.outage) return true;
    if (this.outage) this.outage.localAnswers++;
    return false;
  }

  /**
   * Answers from Redis, or from this node's share while Redis is out of reach: the one place where an
   * outage turns into a local answer (and is reported once).
   */
  private async orLocal<T>(
    what: string,
    remote: (cmd: RedisClient) => Promise<T>,
    local: () => T,
  ): Promise<T> {
    const cmd = this.cmd;
    if (!cmd || !this.online()) return local();
    try {
      return await remote(cmd);
    } catch (err) {
      this.degrade(err, what);
      return local();
    }
  }

  // --- data plane -------------------------------------------------------------------------------

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

  broadcast(envelope: Envelope): void {
    this.publish(envelope).catch(() => undefined);
  }

  /**
   * Delivers here at once, publishes once, and returns Redis's acknowledgement: a trigger answers 200
   * only once the other nodes can get the event. Rejects when Redis cannot take it.
   */
  publish(envelope: Envelope): Promise<void> {
    const sealed = this.sealer.seal(envelope);
    this.delivery?.deliver(sealed);
    const cmd = this.cmd;
    if (!cmd || !this.publishable()) {
      if (this.outage) this.outage.dropped++;
      return Promise.reject(new Error('Redis unavailable'));
    }
    const payload = encodeEnvelope(sealed);
    const topic = this.topicOf(envelope);
    if (this.opts.events?.wants('adapter')) {
      this.opts.events.emit({ type: 'adapter', op: 'publish', bytes: Buffer.byteLength(payload) });
    }
    return (this.cluster ? cmd.spublish(topic, payload) : cmd.publish(topic, payload)).then(
      () => undefined,
      (err: unknown) => {
        if (this.outage) this.outage.dropped++;
        this.degrade(err, 'publish');
        throw err;
      },
    );
  }

  private receive(message: string): void {
    const env = decodeEnvelope(message);
    if (!env || env.origin === this.nodeId) return;
    if (this.opts.events?.wants('adapter')) {
      this.opts.events.emit({ type: 'adapter', op: 'receive', bytes: Buffer.byteLength(message) });
    }
    // Delivered as it arrives, in its origin's order: a member announcement that a later change
    // overtook is recognised by its membership version where it is delivered (the hub), not by a read.
    if (this.order.accept(env)) this.delivery?.deliver(env);
  }

  /** Starts receiving a topic; resolves once Redis confirmed (at once while it is unreachable). */
  private listen(topic: string): Promise<void> {
    const pending = this.topics.get(topic);
    if (pending) return pending;
    const sub = this.sub;
    if (!sub) return Promise.resolve();
    // While disconnected the subscription queues and ioredis replays it on reconnect.
    const done = (this.cluster ? sub.ssubscribe(topic) : sub.subscribe(topic)).then(
      () => undefined,
      (err: unknown) => this.degrade(err, 'subscribe'),
    );
    const confirmed = sub.status === 'ready' ? done : Promise.resolve();
    this.topics.set(topic, confirmed);
    return confirmed;
  }

  private unlisten(topic: string, stream: string): void {
    this.order.forget(stream);
    if (!this.topics.delete(topic) || !this.sub) return;
    (this.cluster ? this.sub.sunsubscribe(topic) : this.sub.unsubscribe(topic)).catch(() => undefined);
  }

  // --- membership: subscriptions ----------------------------------------------------------------

  async subscribe(appId: string, channel: string, socketId: string): Promise<number> {
    const k = this.keys.channel(appId, channel);
    const key = pairKey(appId, channel);
    const first = !this.held.channels.has(key);
    const local = this.held.subscribe(appId, channel, socketId);
    const listening = this.listen(k.topic);
    return this.orLocal(
      'subscribe',
      async (cmd) => {
        if (first) void cmd.sadd(this.keys.nodeChannels(this.nodeId), key).catch(() => undefined);
        const count = Number(await runScript(cmd, 'subscribe', [k.subs], [socketId, this.nodeId]));
        // After the script, so a concurrent last leave (which removes then re-checks) cannot hide us.
        await cmd.sadd(this.keys.appChannels(appId), channel);
        await listening;
        return count;
      },
      () => local,
    );
  }

  async unsubscribe(appId: string, channel: string, socketId: string): Promise<number> {
    const k = this.keys.channel(appId, channel);
    const key = pairKey(appId, channel);
    const local = this.held.unsubscribe(appId, channel, socketId);
    const last = !this.held.channels.has(key);
    if (last) this.unlisten(k.topic, channelStream(appId, channel));
    return this.orLocal(
      'unsubscribe',
      async (cmd) => {
        if (last) void cmd.srem(this.keys.nodeChannels(this.nodeId), key).catch(() => undefined);
        const count = Number(await runScript(cmd, 'unsubscribe', [k.subs], [socketId]));
        if (count === 0) await forgetChannel(cmd, this.keys, appId, channel);
        return count;
      },
      () => local,
    );
  }

  channels(appId: string): Promise<Map<string, ChannelStats>> {
    return this.orLocal(
      'channels',
      async (cmd) => {
        const names = await cmd.smembers(this.keys.appChannels(appId));
        const stats = await Promise.all(names.map((name) => this.remoteStats(cmd, appId, name)));
        const out = new Map<string, ChannelStats>();
        names.forEach((name, i) => {
          const s = stats[i];
          if (s && s.subscriptionCount > 0) out.set(name, s);
        });
        return out;
      },
      () => this.held.allStats(appId),
    );
  }

  channel(appId: string, channel: string): Promise<ChannelStats> {
    return this.orLocal(
      'channel',
      (cmd) => this.remoteStats(cmd, appId, channel),
      () => this.held.stats(appId, channel),
    );
  }

  private async remoteStats(cmd: RedisClient, appId: string, channel: string): Promise<ChannelStats> {
    const k = this.keys.channel(appId, channel);
    if (!isPresence(channel)) return { subscriptionCount: await cmd.hlen(k.subs) };
    const [subscriptionCount, userCount] = await Promise.all([cmd.hlen(k.subs), cmd.hlen(k.members)]);
    return { subscriptionCount, userCount };
  }

  // --- membership: presence ---------------------------------------------------------------------

  addMember(appId: string, channel: string, socketId: string, member: PresenceMember): Promise<MemberChange> {
    const local = this.held.addMember(appId, channel, socketId, member);
    const k = this.keys.channel(appId, channel);
    return this.orLocal(
      'addMember',
      async (cmd) => {
        const [changed, userCount, version] = (await runScript(
          cmd,
          'memberAdd',
          [k.presenceSockets, k.presenceCounts, k.members, k.version],
          [socketId, member.userId, encodeInfo(member.userInfo)],
        )) as [number, number, number];
        return { changed: changed === 1, userCount, version };
      },
      () => local,
    );
  }

  removeMember(appId: string, channel: string, socketId: string, _userId: string): Promise<MemberChange> {
    const local = this.held.removeMember(appId, channel, socketId);
    const k = this.keys.channel(appId, channel);
    return this.orLocal(
      'removeMember',
      async (cmd) => {
        const [changed, userCount, version] = (await runScript(
          cmd,
          'memberRemove',
          [k.presenceSockets, k.presenceCounts, k.members, k.version],
          [socketId],
        )) as [number, number, number];
        return { changed: changed === 1, userCount, version };
      },
      () => local,
    );
  }

  async members(appId: string, channel: string): Promise<Map<string, unknown>> {
    return (await this.snapshot(appId, channel)).members;
  }

  snapshot(appId: string, channel: string): Promise<PresenceSnapshot> {
    return this.orLocal(
      'members',
      (cmd) => this.clusterSnapshot(cmd, appId, channel),
      () => ({ members: this.held.members(appId, channel), version: 0 }),
    );
  }

  private async clusterSnapshot(cmd: RedisClient, appId: string, channel: string): Promise<PresenceSnapshot> {
    const k = this.keys.channel(appId, channel);
    const [version, flat] = (await runScript(cmd, 'members', [k.members, k.version], [])) as [
      number,
      string[],
    ];
    const members = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2)
      members.set(flat[i] as string, decodeInfo(flat[i + 1] as string));
    return { members, version };
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
      if (this.cmd?.status !== 'ready' || this.sub?.status !== 'ready') {
        if (!this.closed) this.scheduleReconcile();
        return;
      }
      void this.reconcile().catch((err: unknown) => this.degrade(err, 'reconcile presence'));
    }, this.registry?.deadAfterMs ?? 1000);
    this.reconcileTimer.unref();
  }

  private async reconcile(): Promise<void> {
    for (const key of this.held.channels.keys()) {
      const [appId, channel] = splitPair(key);
      if (!isPresence(channel)) continue;
      const cmd = this.cmd;
      if (!cmd) return;
      const snapshot = await this.clusterSnapshot(cmd, appId, channel);
      this.delivery?.membersNow?.(appId, channel, snapshot);
    }
  }

  // --- membership: users ------------------------------------------------------------------------

  async addUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    const firstHere = this.held.addUser(appId, userId, socketId);
    if (firstHere) await this.listen(this.keys.userTopic(appId, userId));
    return this.orLocal(
      'addUserSocket',
      async (cmd) => {
        if (firstHere) void cmd.sadd(this.keys.nodeUsers(this.nodeId), pairKey(appId, userId)).catch(() => 0);
        const key = this.keys.user(appId, userId);
        return (await runScript(cmd, 'userAdd', [key], [socketId, this.nodeId])) === 1;
      },
      () => firstHere,
    );
  }

  removeUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    const lastHere = this.held.removeUser(appId, userId, socketId);
    if (lastHere) this.unlisten(this.keys.userTopic(appId, userId), userStream(appId, userId));
    return this.orLocal(
      'removeUserSocket',
      async (cmd) => {
        if (lastHere) void cmd.srem(this.keys.nodeUsers(this.nodeId), pairKey(appId, userId)).catch(() => 0);
        return (await runScript(cmd, 'userRemove', [this.keys.user(appId, userId)], [socketId])) === 1;
      },
      () => lastHere,
    );
  }

  onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]> {
    return this.orLocal(
      'onlineUsers',
      async (cmd) => {
        const found = await Promise.all(userIds.map((id) => cmd.exists(this.keys.user(appId, id))));
        return userIds.filter((_, i) => found[i] === 1);
      },
      () => userIds.filter((id) => this.held.hasUser(appId, id)),
    );
  }

  // --- cache channels ---------------------------------------------------------------------------

  setCache(appId: string, channel: string, event: string, data: string, ttlSeconds: number): Promise<void> {
    const key = this.keys.channel(appId, channel).cache;
    return this.orLocal(
      'setCache',
      async (cmd) => {
        await cmd.set(key, JSON.stringify({ event, data }), 'EX', ttlSeconds);
      },
      () => undefined,
    );
  }

  getCache(appId: string, channel: string): Promise<CachedEvent | null> {
    return this.orLocal(
      'getCache',
      async (cmd) => {
        const key = this.keys.channel(appId, channel).cache;
        const res = (await runScript(cmd, 'cacheGet', [key], [])) as [string, number] | null;
        if (!res) return null;
        const { event, data } = JSON.parse(res[0]) as { event: string; data: string };
        return { event, data, ttl: Math.max(1, Math.ceil(res[1] / 1000)) };
      },
      () => null,
    );
  }

  // --- writing a node's share back, and reaping dead nodes ----------------------------------------

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
      .catch((err: unknown) => this.degrade(err, 'resynchronise'))
      .finally(() => {
        this.syncing = null;
        if (this.syncAgain && !this.closed) {
          this.syncAgain = false;
          this.resync();
        }
      });
  }

  // --- leaving ----------------------------------------------------------------------------------

  /** Stops at once without leaving, as a killed process would: for fault drills and tests. */
  abandon(): void {
    this.closed = true;
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.registry?.stop();
    this.delivery = null;
    this.cmd?.disconnect();
    this.sub?.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cmd = this.cmd;
    const sub = this.sub;
    try {
      if (this.syncing) await this.syncing;
      if (cmd?.status === 'ready') {
        // Connections were closed (and left) before this; anything still held leaves without events.
        this.delivery = null;
        await this.sync?.leave();
        await this.registry?.leave();
        await cmd.del(this.keys.nodeChannels(this.nodeId), this.keys.nodeUsers(this.nodeId));
      }
    } catch (err) {
      this.opts.logger.warn({ err }, 'Could not leave the Redis cluster cleanly; others will reap this node');
    } finally {
      if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
      this.registry?.stop();
      this.delivery = null;
      cmd?.disconnect();
      sub?.disconnect();
    }
  }
}
