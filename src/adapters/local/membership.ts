/**
 * The membership role of the in-memory adapter: this process's memory is the cluster's shared state
 * (subscription counts, presence members kept encoded for joiners, signed-in users, cache values).
 */
import { MemberSnapshot } from '../../channels/presence-snapshot.js';
import type {
  CachedEvent,
  ChannelStats,
  MemberChange,
  Membership,
  PresenceMember,
  PresenceSnapshot,
} from '../membership.js';

/** A presence channel: each user's sockets, and the member list kept encoded for joiners. */
interface PresenceChannel {
  readonly sockets: Map<string, Set<string>>;
  readonly snapshot: MemberSnapshot;
}

interface AppState {
  /** channel → subscribed socket ids */
  channels: Map<string, Set<string>>;
  presence: Map<string, PresenceChannel>;
  /** user id → signed-in socket ids */
  users: Map<string, Set<string>>;
  cache: Map<string, { event: string; data: string; expiresAt: number }>;
  /** Cache size at which the next publish sweeps expired entries. */
  cacheSweepAt: number;
}

export class LocalMembership implements Membership {
  private readonly apps = new Map<string, AppState>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Membership version: one counter for every channel, so a channel's version never goes back even
   * after it empties, and any state read now reflects every change up to it.
   */
  private version = 0;

  private app(appId: string): AppState {
    let s = this.apps.get(appId);
    if (!s) {
      s = {
        channels: new Map(),
        presence: new Map(),
        users: new Map(),
        cache: new Map(),
        cacheSweepAt: 1024,
      };
      this.apps.set(appId, s);
    }
    return s;
  }

  async subscribe(appId: string, channel: string, socketId: string): Promise<number> {
    const s = this.app(appId);
    let set = s.channels.get(channel);
    if (!set) {
      set = new Set();
      s.channels.set(channel, set);
    }
    set.add(socketId);
    return set.size;
  }

  async unsubscribe(appId: string, channel: string, socketId: string): Promise<number> {
    const s = this.app(appId);
    const set = s.channels.get(channel);
    if (!set) return 0;
    set.delete(socketId);
    if (set.size === 0) s.channels.delete(channel);
    return set.size;
  }

  async channels(appId: string): Promise<Map<string, ChannelStats>> {
    const s = this.app(appId);
    const out = new Map<string, ChannelStats>();
    for (const [name, set] of s.channels) {
      const members = s.presence.get(name);
      out.set(
        name,
        members
          ? { subscriptionCount: set.size, userCount: members.sockets.size }
          : { subscriptionCount: set.size },
      );
    }
    return out;
  }

  async channel(appId: string, channel: string): Promise<ChannelStats> {
    const s = this.app(appId);
    const count = s.channels.get(channel)?.size ?? 0;
    if (!channel.startsWith('presence-')) return { subscriptionCount: count };
    return { subscriptionCount: count, userCount: s.presence.get(channel)?.sockets.size ?? 0 };
  }

  async addMember(
    appId: string,
    channel: string,
    socketId: string,
    member: PresenceMember,
  ): Promise<MemberChange> {
    const s = this.app(appId);
    let p = s.presence.get(channel);
    if (!p) {
      p = { sockets: new Map(), snapshot: new MemberSnapshot(channel) };
      s.presence.set(channel, p);
    }
    // The latest authorization's user_info wins, as a fresh channel_data is the app's current view.
    p.snapshot.add(member.userId, member.userInfo);
    const existing = p.sockets.get(member.userId);
    if (existing) {
      existing.add(socketId);
      return { changed: false, userCount: p.sockets.size, version: this.version };
    }
    p.sockets.set(member.userId, new Set([socketId]));
    return { changed: true, userCount: p.sockets.size, version: ++this.version };
  }

  async removeMember(
    appId: string,
    channel: string,
    socketId: string,
    userId: string,
  ): Promise<MemberChange> {
    const s = this.app(appId);
    const p = s.presence.get(channel);
    const sockets = p?.sockets.get(userId);
    if (!p || !sockets || !sockets.delete(socketId) || sockets.size > 0) {
      return { changed: false, userCount: p?.sockets.size ?? 0, version: this.version };
    }
    p.sockets.delete(userId);
    p.snapshot.remove(userId);
    if (p.sockets.size === 0) s.presence.delete(channel);
    return { changed: true, userCount: p.sockets.size, version: ++this.version };
  }

  async members(appId: string, channel: string): Promise<Map<string, unknown>> {
    return this.app(appId).presence.get(channel)?.snapshot.members() ?? new Map();
  }

  encodedSnapshot(appId: string, channel: string): MemberSnapshot | undefined {
    return this.app(appId).presence.get(channel)?.snapshot;
  }

  async snapshot(appId: string, channel: string): Promise<PresenceSnapshot> {
    return { members: await this.members(appId, channel), version: this.version };
  }

  async addUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    const s = this.app(appId);
    let set = s.users.get(userId);
    if (!set) {
      set = new Set();
      s.users.set(userId, set);
    }
    const first = set.size === 0;
    set.add(socketId);
    return first;
  }

  async removeUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    const s = this.app(appId);
    const set = s.users.get(userId);
    if (!set || !set.delete(socketId)) return false;
    if (set.size > 0) return false;
    s.users.delete(userId);
    return true;
  }

  async onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]> {
    const s = this.app(appId);
    return userIds.filter((id) => (s.users.get(id)?.size ?? 0) > 0);
  }

  async setCache(
    appId: string,
    channel: string,
    event: string,
    data: string,
    ttlSeconds: number,
  ): Promise<void> {
    const s = this.app(appId);
    const cache = s.cache;
    const now = this.now();
    cache.set(channel, { event, data, expiresAt: now + ttlSeconds * 1000 });
    // Entries also expire when read; sweep as the map grows so channels published to and never
    // subscribed again (cache-order-{id}) do not pile up until restart.
    if (cache.size >= s.cacheSweepAt) {
      for (const [name, entry] of cache) if (entry.expiresAt <= now) cache.delete(name);
      s.cacheSweepAt = Math.max(1024, cache.size * 2);
    }
  }

  async getCache(appId: string, channel: string): Promise<CachedEvent | null> {
    const cache = this.app(appId).cache;
    const entry = cache.get(channel);
    if (!entry) return null;
    const left = entry.expiresAt - this.now();
    if (left <= 0) {
      cache.delete(channel);
      return null;
    }
    return { event: entry.event, data: entry.data, ttl: Math.ceil(left / 1000) };
  }
}
