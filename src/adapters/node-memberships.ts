/**
 * What one node holds: its sockets' subscriptions, presence memberships and signed-in users. Remote
 * adapters keep it beside the shared state so a node can answer alone while the shared state is out
 * of reach, and can write its whole share back after an outage; the IPC primary keeps one per worker
 * to clean up after a worker that died. Version 0 in its answers means "no cluster version": they
 * are this node's view alone.
 */
import type { ChannelStats, MemberChange, PresenceMember } from './adapter.js';
import { pairKey } from './redis/keys.js';

export interface HeldUser {
  /** this node's sockets of the user in the channel */
  sockets: number;
  /** the latest user_info its sockets joined with */
  info: unknown;
}

export interface HeldChannel {
  /** socket id → the user id it joined as, or null for a plain subscription */
  readonly sockets: Map<string, string | null>;
  readonly users: Map<string, HeldUser>;
}

/** The presence member a held socket joined as, or null. */
export function heldMember(c: HeldChannel, socketId: string): PresenceMember | null {
  const userId = c.sockets.get(socketId);
  if (!userId) return null;
  return { userId, userInfo: c.users.get(userId)?.info };
}

export class NodeMemberships {
  /** `appId\nchannel` → what this node holds there */
  readonly channels = new Map<string, HeldChannel>();
  /** `appId\nuserId` → signed-in socket ids */
  readonly users = new Map<string, Set<string>>();

  private held(appId: string, channel: string): HeldChannel {
    const key = pairKey(appId, channel);
    let c = this.channels.get(key);
    if (!c) {
      c = { sockets: new Map(), users: new Map() };
      this.channels.set(key, c);
    }
    return c;
  }

  /** Returns this node's subscription count in the channel after the change. */
  subscribe(appId: string, channel: string, socketId: string): number {
    const c = this.held(appId, channel);
    if (!c.sockets.has(socketId)) c.sockets.set(socketId, null);
    return c.sockets.size;
  }

  unsubscribe(appId: string, channel: string, socketId: string): number {
    const key = pairKey(appId, channel);
    const c = this.channels.get(key);
    if (!c) return 0;
    const userId = c.sockets.get(socketId);
    if (userId) this.dropUser(c, userId);
    c.sockets.delete(socketId);
    if (c.sockets.size === 0) this.channels.delete(key);
    return c.sockets.size;
  }

  /** O(1): the user's latest user_info is kept once per user, not per socket. */
  addMember(appId: string, channel: string, socketId: string, member: PresenceMember): MemberChange {
    const c = this.held(appId, channel);
    let changed = false;
    let user = c.users.get(member.userId);
    if (!c.sockets.get(socketId)) {
      if (!user) {
        user = { sockets: 0, info: member.userInfo };
        c.users.set(member.userId, user);
      }
      changed = ++user.sockets === 1;
      c.sockets.set(socketId, member.userId);
    }
    // The latest user_info wins for every socket of the user, as in the shared state.
    if (user) user.info = member.userInfo;
    return { changed, userCount: c.users.size, version: 0 };
  }

  removeMember(appId: string, channel: string, socketId: string): MemberChange {
    const c = this.channels.get(pairKey(appId, channel));
    const userId = c?.sockets.get(socketId);
    if (!c || !userId) return { changed: false, userCount: c?.users.size ?? 0, version: 0 };
    c.sockets.set(socketId, null);
    const changed = this.dropUser(c, userId);
    return { changed, userCount: c.users.size, version: 0 };
  }

  private dropUser(c: HeldChannel, userId: string): boolean {
    const user = c.users.get(userId);
    if (user && --user.sockets > 0) return false;
    c.users.delete(userId);
    return true;
  }

  stats(appId: string, channel: string): ChannelStats {
    const c = this.channels.get(pairKey(appId, channel));
    const count = c?.sockets.size ?? 0;
    return channel.startsWith('presence-')
      ? { subscriptionCount: count, userCount: c?.users.size ?? 0 }
      : { subscriptionCount: count };
  }

  allStats(appId: string): Map<string, ChannelStats> {
    const out = new Map<string, ChannelStats>();
    const prefix = `${appId}\n`;
    for (const key of this.channels.keys()) {
      if (!key.startsWith(prefix)) continue;
      const channel = key.slice(prefix.length);
      out.set(channel, this.stats(appId, channel));
    }
    return out;
  }

  members(appId: string, channel: string): Map<string, unknown> {
    const out = new Map<string, unknown>();
    const c = this.channels.get(pairKey(appId, channel));
    if (c) for (const [id, user] of c.users) out.set(id, user.info);
    return out;
  }

  /** True when it is the user's first signed-in socket on this node. */
  addUser(appId: string, userId: string, socketId: string): boolean {
    const key = pairKey(appId, userId);
    let set = this.users.get(key);
    if (!set) {
      set = new Set();
      this.users.set(key, set);
    }
    set.add(socketId);
    return set.size === 1;
  }

  /** True when it was the user's last signed-in socket on this node. */
  removeUser(appId: string, userId: string, socketId: string): boolean {
    const key = pairKey(appId, userId);
    const set = this.users.get(key);
    if (!set?.delete(socketId)) return false;
    if (set.size > 0) return false;
    this.users.delete(key);
    return true;
  }

  hasUser(appId: string, userId: string): boolean {
    return this.users.has(pairKey(appId, userId));
  }
}
