/**
 * The Redis adapter's membership role: per channel hashes (socket → node, presence socket → user,
 * user → info) changed by Lua scripts that return cluster-wide answers, so first/last transitions are
 * decided once. Every entry names its node (its heartbeat is the lease, see control.ts). This node's
 * own share is written to the node's channel registry (`held`) as Redis is called, so while Redis is
 * out of reach the answers are this node's alone (`orLocal`), and the share can be written back after. A node listens to a channel's or
 * user's topic (broker.ts) while it holds a socket there.
 */

import type { ChannelRegistry } from '../../channels/registry.js';
import { channelStream, userStream } from '../envelope.js';
import type {
  CachedEvent,
  ChannelStats,
  MemberChange,
  Membership,
  PresenceMember,
  PresenceSnapshot,
} from '../membership.js';
import type { RedisBroker } from './broker.js';
import type { RedisClient } from './connect.js';
import { pairKey, type RedisKeys } from './keys.js';
import type { RedisLink } from './link.js';
import { runScript } from './scripts.js';
import { decodeInfo, encodeInfo, forgetChannel } from './share-sync.js';

const isPresence = (channel: string) => channel.startsWith('presence-');

export class RedisMembership implements Membership {
  constructor(
    private readonly nodeId: string,
    private readonly link: RedisLink,
    private readonly keys: RedisKeys,
    private readonly held: ChannelRegistry,
    private readonly broker: RedisBroker,
  ) {}

  // --- membership: subscriptions ----------------------------------------------------------------

  async subscribe(appId: string, channel: string, socketId: string): Promise<number> {
    const k = this.keys.channel(appId, channel);
    const key = pairKey(appId, channel);
    const local = this.held.subscribe(appId, channel, socketId);
    const first = local === 1;
    const listening = this.broker.listen(k.topic);
    return this.link.orLocal(
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
    const last = local === 0;
    if (last) this.broker.unlisten(k.topic, channelStream(appId, channel));
    return this.link.orLocal(
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
    return this.link.orLocal(
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
    return this.link.orLocal(
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
    return this.link.orLocal(
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

  removeMember(appId: string, channel: string, socketId: string, userId: string): Promise<MemberChange> {
    const local = this.held.removeMember(appId, channel, socketId, userId);
    const k = this.keys.channel(appId, channel);
    return this.link.orLocal(
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
    return this.link.orLocal(
      'members',
      (cmd) => this.clusterSnapshot(cmd, appId, channel),
      () => ({ members: this.held.members(appId, channel), version: 0 }),
    );
  }

  /** The cluster's members of a presence channel, with their version (also read after an outage). */
  async clusterSnapshot(cmd: RedisClient, appId: string, channel: string): Promise<PresenceSnapshot> {
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

  // --- membership: users ------------------------------------------------------------------------

  async addUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    const firstHere = this.held.addUser(appId, userId, socketId);
    const listening = firstHere ? this.broker.listen(this.keys.userTopic(appId, userId)) : undefined;
    // The script is sent now, before the topic's confirmation is awaited: a sign-out made meanwhile
    // (the socket closed) then reaches Redis after it, not before, so the user is not left online.
    const first = await this.link.orLocal(
      'addUserSocket',
      (cmd) => {
        if (firstHere) void cmd.sadd(this.keys.nodeUsers(this.nodeId), pairKey(appId, userId)).catch(() => 0);
        const key = this.keys.user(appId, userId);
        return runScript(cmd, 'userAdd', [key], [socketId, this.nodeId]).then((added) => added === 1);
      },
      () => firstHere,
    );
    await listening;
    return first;
  }

  async removeUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    const lastHere = this.held.removeUser(appId, userId, socketId);
    const topic = this.keys.userTopic(appId, userId);
    // A sign-in still waiting for this topic's confirmation answers first (user_online before user_offline).
    const signingIn = lastHere ? this.broker.listening(topic) : undefined;
    if (lastHere) this.broker.unlisten(topic, userStream(appId, userId));
    const last = await this.link.orLocal(
      'removeUserSocket',
      async (cmd) => {
        if (lastHere) void cmd.srem(this.keys.nodeUsers(this.nodeId), pairKey(appId, userId)).catch(() => 0);
        return (await runScript(cmd, 'userRemove', [this.keys.user(appId, userId)], [socketId])) === 1;
      },
      () => lastHere,
    );
    await signingIn;
    return last;
  }

  onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]> {
    return this.link.orLocal(
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
    return this.link.orLocal(
      'setCache',
      async (cmd) => {
        await cmd.set(key, JSON.stringify({ event, data }), 'EX', ttlSeconds);
      },
      () => undefined,
    );
  }

  getCache(appId: string, channel: string): Promise<CachedEvent | null> {
    return this.link.orLocal(
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
}
