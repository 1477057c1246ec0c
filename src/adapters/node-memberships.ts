/**
 * What one node holds: its sockets' subscriptions, presence memberships and signed-in users. Remote
 * adapters keep it beside the shared state so a node can answer alone while the shared state is out
 * of reach, and can write its whole share back after an outage; the IPC primary keeps one per worker
 * to clean up after a worker that died.
 */
import type { ChannelStats, MemberChange, PresenceMember } from './adapter.js';
import { pairKey } from './redis/keys.js';

export interface HeldChannel {
  /** socket id → its presence member, or null for a plain subscription */
  readonly sockets: Map<string, PresenceMember | null>;
  /** user id → this node's sockets of that user in the channel */
  readonly users: Map<string, number>;
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
    const member = c.sockets.get(socketId);
    if (member) this.dropUser(c, member.userId);
    c.sockets.delete(socketId);
    if (c.sockets.size === 0) this.channels.delete(key);
    return c.sockets.size;
  }

  addMember(appId: string, channel: string, socketId: string, member: PresenceMember): MemberChange {
    const c = this.held(appId, channel);
    const previous = c.sockets.get(socketId);
    let changed = false;
    if (!previous) {
      const n = (c.users.get(member.userId) ?? 0) + 1;
      c.users.set(member.userId, n);
      changed = n === 1;
    }
    c.sockets.set(socketId, previous ?? member);
    // The latest user_info wins for every socket of the user, as in the shared state.
    for (const [s, m] of c.sockets) if (m?.userId === member.userId) c.sockets.set(s, member);
    return { changed, userCount: c.users.size };
  }

  removeMember(appId: string, channel: string, socketId: string): MemberChange {
    const c = this.channels.get(pairKey(appId, channel));
    const member = c?.sockets.get(socketId);
    if (!c || !member) return { changed: false, userCount: c?.users.size ?? 0 };
    c.sockets.set(socketId, null);
    const changed = this.dropUser(c, member.userId);
    return { changed, userCount: c.users.size };
  }

  private dropUser(c: HeldChannel, userId: string): boolean {
    const n = (c.users.get(userId) ?? 1) - 1;
    if (n > 0) {
      c.users.set(userId, n);
      return false;
    }
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
    if (c) for (const m of c.sockets.values()) if (m) out.set(m.userId, m.userInfo);
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
