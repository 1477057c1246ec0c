/**
 * Writing a node's share of the membership state to Redis in one pass: after an outage or after other
 * nodes presumed it dead (write-back), for a dead node (reap: its share becomes empty), and on a clean
 * leave. One `sync-channel` script per channel makes the node's entries exactly what it holds and
 * reports the cluster-wide transitions, which are announced once, from the node that caused them.
 */
import type { LocalChannel } from '../../channels/local-channel.js';
import type { ChannelRegistry } from '../../channels/registry.js';
import type { Logger } from '../../logging/logger.js';
import type { ClusterNews, Envelope } from '../adapter.js';
import type { RedisClient } from './connect.js';
import { pairKey, type RedisKeys, splitPair } from './keys.js';
import { runScript } from './scripts.js';

type SyncResult = [number, number, string[], string[], number];

/** user_info as stored in Redis: JSON, or '' when absent. */
export function encodeInfo(info: unknown): string {
  return info === undefined ? '' : JSON.stringify(info);
}

export function decodeInfo(raw: string): unknown {
  return raw === '' ? undefined : (JSON.parse(raw) as unknown);
}

/** Drops an empty channel from the app's index; re-adds it if someone subscribed meanwhile. */
export async function forgetChannel(
  cmd: RedisClient,
  keys: RedisKeys,
  appId: string,
  channel: string,
): Promise<void> {
  await cmd.srem(keys.appChannels(appId), channel);
  if ((await cmd.hlen(keys.channel(appId, channel).subs)) > 0)
    await cmd.sadd(keys.appChannels(appId), channel);
}

export interface ShareSyncDeps {
  cmd: RedisClient;
  keys: RedisKeys;
  nodeId: string;
  /** This node's channel registry: its share is read from there. */
  registry: ChannelRegistry;
  logger: Logger;
  news(): ClusterNews | null;
  broadcast(envelope: Envelope): void;
}

export class ShareSync {
  constructor(private readonly d: ShareSyncDeps) {}

  /**
   * Makes Redis hold exactly this node's share again (the node's own entries only). `announce` after
   * others reaped this node (they announced its leaves); otherwise the transitions only repair Redis
   * and are passed on quietly (see NodeDelivery.memberBack).
   */
  async writeBack(announce: boolean): Promise<void> {
    const { cmd, keys, nodeId, registry } = this.d;
    const [knownChannels, knownUsers] = await Promise.all([
      cmd.smembers(keys.nodeChannels(nodeId)),
      cmd.smembers(keys.nodeUsers(nodeId)),
    ]);
    // Everything below is sent without awaiting in between, so each script sees this node's share as
    // it is now, and any later change is queued behind it on the same connection.
    const tasks: Promise<unknown>[] = [];
    const held = new Map<string, LocalChannel>();
    for (const [appId, channel, ch] of registry.shares()) held.set(pairKey(appId, channel), ch);
    for (const key of new Set([...knownChannels, ...held.keys()])) {
      const [appId, channel] = splitPair(key);
      tasks.push(this.syncChannel(appId, channel, [nodeId, ...shareArgs(held.get(key))], announce));
    }
    const users = new Map<string, ReadonlySet<string>>();
    for (const [appId, userId, sockets] of registry.users()) users.set(pairKey(appId, userId), sockets);
    for (const key of new Set([...knownUsers, ...users.keys()])) {
      const [appId, userId] = splitPair(key);
      tasks.push(this.syncUser(appId, userId, nodeId, [...(users.get(key) ?? [])]));
    }
    const index = cmd.multi().del(keys.nodeChannels(nodeId), keys.nodeUsers(nodeId));
    if (held.size > 0) index.sadd(keys.nodeChannels(nodeId), ...held.keys());
    if (users.size > 0) index.sadd(keys.nodeUsers(nodeId), ...users.keys());
    tasks.push(index.exec());
    await Promise.all(tasks);
    if (knownChannels.length + knownUsers.length + held.size + users.size > 0) {
      this.d.logger.info({ channels: held.size, users: users.size }, 'Node state written back to Redis');
    }
  }

  /** Removes a dead node's memberships and announces the leaves once, from this node. */
  async reap(deadNode: string): Promise<void> {
    const cmd = this.d.cmd;
    const [channels, users] = await Promise.all([
      cmd.smembers(this.d.keys.nodeChannels(deadNode)),
      cmd.smembers(this.d.keys.nodeUsers(deadNode)),
    ]);
    await Promise.all([
      ...channels.map((key) => {
        const [appId, channel] = splitPair(key);
        return this.syncChannel(appId, channel, [deadNode], true);
      }),
      ...users.map((key) => {
        const [appId, userId] = splitPair(key);
        return this.syncUser(appId, userId, deadNode, []);
      }),
    ]);
    await cmd.del(this.d.keys.nodeChannels(deadNode), this.d.keys.nodeUsers(deadNode));
    this.d.logger.warn(
      { node: deadNode, channels: channels.length, users: users.length },
      'A node stopped beating: removed its connections from channels and presence',
    );
  }

  private async syncChannel(
    appId: string,
    channel: string,
    args: string[],
    announce: boolean,
  ): Promise<void> {
    const k = this.d.keys.channel(appId, channel);
    const [before, after, removed, added, version] = (await runScript(
      this.d.cmd,
      'syncChannel',
      [k.subs, k.presenceSockets, k.presenceCounts, k.members, k.version],
      args,
    )) as SyncResult;
    const d = this.d.news();
    if (after > 0) await this.d.cmd.sadd(this.d.keys.appChannels(appId), channel);
    for (const userId of removed) d?.memberGone(appId, channel, userId, version, !announce);
    if (added.length > 0) {
      const held = this.d.registry.channel(appId, channel);
      // One socket per user here: the announcer decides whether it needs telling (only if others
      // presumed this node dead and their member_removed reached it).
      for (const userId of added) {
        const user = held?.users.get(userId);
        const socket = user?.sockets.values().next().value;
        d?.memberBack(appId, channel, { userId, userInfo: user?.info }, version, socket, !announce);
      }
    }
    if (before !== after) d?.countChanged(appId, channel, after);
    if (before > 0 && after === 0) {
      await forgetChannel(this.d.cmd, this.d.keys, appId, channel);
      if (announce) d?.channelGone(appId, channel);
    } else if (before === 0 && after > 0) {
      if (announce) d?.channelBack(appId, channel);
    }
  }

  private async syncUser(appId: string, userId: string, node: string, sockets: string[]): Promise<void> {
    const [before, after] = (await runScript(
      this.d.cmd,
      'syncUser',
      [this.d.keys.user(appId, userId)],
      [node, ...sockets],
    )) as [number, number];
    if (before > 0 && after === 0) {
      this.d.broadcast({ kind: 'watchlist', appId, userId, online: false });
      if (node !== this.d.nodeId) this.d.news()?.userGone(appId, userId);
    } else if (before === 0 && after > 0)
      this.d.broadcast({ kind: 'watchlist', appId, userId, online: true });
  }

  /** A clean leave: whatever is still held leaves (connections were closed and left before this). */
  async leave(): Promise<void> {
    const nodeId = this.d.nodeId;
    await Promise.all([
      ...[...this.d.registry.shares()].map(([appId, channel]) =>
        this.syncChannel(appId, channel, [nodeId], true),
      ),
      ...[...this.d.registry.users()].map(([appId, userId]) => this.syncUser(appId, userId, nodeId, [])),
    ]);
  }
}

/** The `sync-channel` arguments for this node's sockets in a channel: socket, user (or ''), user_info. */
function shareArgs(ch: LocalChannel | undefined): string[] {
  if (!ch) return [];
  const userOf = new Map<string, string>();
  for (const [userId, user] of ch.users) for (const socket of user.sockets) userOf.set(socket, userId);
  const args: string[] = [];
  for (const socketId of ch.sockets) {
    const userId = userOf.get(socketId);
    args.push(socketId, userId ?? '', userId ? encodeInfo(ch.users.get(userId)?.info) : '');
  }
  return args;
}
