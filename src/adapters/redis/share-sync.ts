/**
 * Writing a node's share of the membership state to Redis in one pass: after an outage or after other
 * nodes presumed it dead (write-back), for a dead node (reap: its share becomes empty), and on a clean
 * leave. One `sync-channel` script per channel makes the node's entries exactly what it holds and
 * reports the cluster-wide transitions, which are announced once, from the node that caused them.
 */
import type { Logger } from '../../logging/logger.js';
import type { ClusterNews, Envelope } from '../adapter.js';
import { heldMember, type NodeMemberships } from '../node-memberships.js';
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
  held: NodeMemberships;
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
    const cmd = this.d.cmd;
    const [knownChannels, knownUsers] = await Promise.all([
      cmd.smembers(this.d.keys.nodeChannels(this.d.nodeId)),
      cmd.smembers(this.d.keys.nodeUsers(this.d.nodeId)),
    ]);
    // Everything below is sent without awaiting in between, so each script sees this node's share as
    // it is now, and any later change is queued behind it on the same connection.
    const tasks: Promise<unknown>[] = [];
    const channels = new Set([...knownChannels, ...this.d.held.channels.keys()]);
    for (const key of channels) {
      const [appId, channel] = splitPair(key);
      const held = this.d.held.channels.get(key);
      const args: string[] = [this.d.nodeId];
      if (held) {
        for (const [socketId, userId] of held.sockets)
          args.push(socketId, userId ?? '', userId ? encodeInfo(held.users.get(userId)?.info) : '');
      }
      tasks.push(this.syncChannel(appId, channel, args, announce));
    }
    const users = new Set([...knownUsers, ...this.d.held.users.keys()]);
    for (const key of users) {
      const [appId, userId] = splitPair(key);
      const sockets = [...(this.d.held.users.get(key) ?? [])];
      tasks.push(this.syncUser(appId, userId, this.d.nodeId, sockets));
    }
    const index = cmd
      .multi()
      .del(this.d.keys.nodeChannels(this.d.nodeId), this.d.keys.nodeUsers(this.d.nodeId));
    if (this.d.held.channels.size > 0)
      index.sadd(this.d.keys.nodeChannels(this.d.nodeId), ...this.d.held.channels.keys());
    if (this.d.held.users.size > 0)
      index.sadd(this.d.keys.nodeUsers(this.d.nodeId), ...this.d.held.users.keys());
    tasks.push(index.exec());
    await Promise.all(tasks);
    if (channels.size + users.size > 0) {
      this.d.logger.info(
        { channels: this.d.held.channels.size, users: this.d.held.users.size },
        'Node state written back to Redis',
      );
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
      const held = this.d.held.channels.get(pairKey(appId, channel));
      // One socket per user here: the announcer decides whether it needs telling (only if others presumed
      // this node dead and their member_removed reached it).
      const socketOf = new Map<string, string>();
      for (const [s, id] of held?.sockets ?? []) if (id && !socketOf.has(id)) socketOf.set(id, s);
      for (const userId of added) {
        const socket = socketOf.get(userId);
        const member = (held && socket && heldMember(held, socket)) || { userId, userInfo: undefined };
        d?.memberBack(appId, channel, member, version, socket, !announce);
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
    await Promise.all([
      ...[...this.d.held.channels.keys()].map((key) => {
        const [appId, channel] = splitPair(key);
        return this.syncChannel(appId, channel, [this.d.nodeId], true);
      }),
      ...[...this.d.held.users.keys()].map((key) => {
        const [appId, userId] = splitPair(key);
        return this.syncUser(appId, userId, this.d.nodeId, []);
      }),
    ]);
  }
}
