/** The in-memory adapter: one process is the whole cluster. The default. */
import { randomUUID } from 'node:crypto';
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
import { Sealer } from './envelope.js';

interface PresenceUser {
  info: unknown;
  sockets: Set<string>;
}

interface AppState {
  /** channel → subscribed socket ids */
  channels: Map<string, Set<string>>;
  /** presence channel → user id → member */
  presence: Map<string, Map<string, PresenceUser>>;
  /** user id → signed-in socket ids */
  users: Map<string, Set<string>>;
  cache: Map<string, { event: string; data: string; expiresAt: number }>;
  /** Cache size at which the next publish sweeps expired entries. */
  cacheSweepAt: number;
}

export class LocalAdapter implements Adapter {
  readonly nodeId = randomUUID();
  private delivery: NodeDelivery | null = null;
  private readonly sealer = new Sealer(this.nodeId);
  private readonly apps = new Map<string, AppState>();

  constructor(private readonly now: () => number = Date.now) {}

  async start(delivery: NodeDelivery): Promise<void> {
    this.delivery = delivery;
  }

  async close(): Promise<void> {
    this.delivery = null;
  }

  ready(): boolean {
    return true;
  }

  broadcast(envelope: Envelope): void {
    this.delivery?.deliver(this.sealer.seal(envelope));
  }

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
        members ? { subscriptionCount: set.size, userCount: members.size } : { subscriptionCount: set.size },
      );
    }
    return out;
  }

  async channel(appId: string, channel: string): Promise<ChannelStats> {
    const s = this.app(appId);
    const count = s.channels.get(channel)?.size ?? 0;
    if (!channel.startsWith('presence-')) return { subscriptionCount: count };
    return { subscriptionCount: count, userCount: s.presence.get(channel)?.size ?? 0 };
  }

  async addMember(
    appId: string,
    channel: string,
    socketId: string,
    member: PresenceMember,
  ): Promise<MemberChange> {
    const s = this.app(appId);
    let users = s.presence.get(channel);
    if (!users) {
      users = new Map();
      s.presence.set(channel, users);
    }
    const existing = users.get(member.userId);
    if (existing) {
      existing.sockets.add(socketId);
      // The latest authorization's user_info wins, as a fresh channel_data is the app's current view.
      existing.info = member.userInfo;
      return { changed: false, userCount: users.size, version: this.version };
    }
    users.set(member.userId, { info: member.userInfo, sockets: new Set([socketId]) });
    return { changed: true, userCount: users.size, version: ++this.version };
  }

  async removeMember(
    appId: string,
    channel: string,
    socketId: string,
    userId: string,
  ): Promise<MemberChange> {
    const s = this.app(appId);
    const users = s.presence.get(channel);
    const user = users?.get(userId);
    const unchanged = () => ({
      changed: false,
      userCount: users?.size ?? 0,
      version: this.version,
    });
    if (!users || !user) return unchanged();
    user.sockets.delete(socketId);
    if (user.sockets.size > 0) return unchanged();
    users.delete(userId);
    if (users.size === 0) s.presence.delete(channel);
    return { changed: true, userCount: users.size, version: ++this.version };
  }

  async members(appId: string, channel: string): Promise<Map<string, unknown>> {
    const users = this.app(appId).presence.get(channel);
    const out = new Map<string, unknown>();
    if (users) for (const [id, u] of users) out.set(id, u.info);
    return out;
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
