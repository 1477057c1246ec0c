/**
 * The membership role of the in-memory adapter: one process is the whole cluster, so the shared
 * membership is this node's own, kept in its channel registry (src/channels/registry.ts): the answers
 * are the registry's, numbered with a membership version. Cache values are kept here.
 */
import type { MemberSnapshot } from '../../channels/presence-snapshot.js';
import { ChannelRegistry } from '../../channels/registry.js';
import type {
  CachedEvent,
  ChannelStats,
  MemberChange,
  Membership,
  PresenceMember,
  PresenceSnapshot,
} from '../membership.js';

interface CacheState {
  entries: Map<string, { event: string; data: string; expiresAt: number }>;
  /** Cache size at which the next publish sweeps expired entries. */
  sweepAt: number;
}

export class LocalMembership implements Membership {
  private readonly caches = new Map<string, CacheState>();
  /**
   * Membership version: one counter for every channel, so a channel's version never goes back even
   * after it empties, and any state read now reflects every change up to it.
   */
  private version = 0;

  constructor(
    private readonly now: () => number = Date.now,
    readonly registry: ChannelRegistry = new ChannelRegistry(),
  ) {}

  async subscribe(appId: string, channel: string, socketId: string): Promise<number> {
    return this.registry.subscribe(appId, channel, socketId);
  }

  async unsubscribe(appId: string, channel: string, socketId: string): Promise<number> {
    return this.registry.unsubscribe(appId, channel, socketId);
  }

  async channels(appId: string): Promise<Map<string, ChannelStats>> {
    return this.registry.allStats(appId);
  }

  async channel(appId: string, channel: string): Promise<ChannelStats> {
    return this.registry.stats(appId, channel);
  }

  async addMember(
    appId: string,
    channel: string,
    socketId: string,
    member: PresenceMember,
  ): Promise<MemberChange> {
    // The latest authorization's user_info wins, as a fresh channel_data is the app's current view.
    const change = this.registry.addMember(appId, channel, socketId, member);
    return { ...change, version: change.changed ? ++this.version : this.version };
  }

  async removeMember(
    appId: string,
    channel: string,
    socketId: string,
    userId: string,
  ): Promise<MemberChange> {
    const change = this.registry.removeMember(appId, channel, socketId, userId);
    return { ...change, version: change.changed ? ++this.version : this.version };
  }

  async members(appId: string, channel: string): Promise<Map<string, unknown>> {
    return this.registry.members(appId, channel);
  }

  encodedSnapshot(appId: string, channel: string): MemberSnapshot | undefined {
    const ch = this.registry.channel(appId, channel);
    return ch && ch.users.size > 0 ? ch.snapshot() : undefined;
  }

  async snapshot(appId: string, channel: string): Promise<PresenceSnapshot> {
    return { members: this.registry.members(appId, channel), version: this.version };
  }

  async addUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    return this.registry.addUser(appId, userId, socketId);
  }

  async removeUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    return this.registry.removeUser(appId, userId, socketId);
  }

  async onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]> {
    return userIds.filter((id) => this.registry.hasUser(appId, id));
  }

  private cache(appId: string): CacheState {
    let c = this.caches.get(appId);
    if (!c) {
      c = { entries: new Map(), sweepAt: 1024 };
      this.caches.set(appId, c);
    }
    return c;
  }

  async setCache(
    appId: string,
    channel: string,
    event: string,
    data: string,
    ttlSeconds: number,
  ): Promise<void> {
    const s = this.cache(appId);
    const cache = s.entries;
    const now = this.now();
    cache.set(channel, { event, data, expiresAt: now + ttlSeconds * 1000 });
    // Entries also expire when read; sweep as the map grows so channels published to and never
    // subscribed again (cache-order-{id}) do not pile up until restart.
    if (cache.size >= s.sweepAt) {
      for (const [name, entry] of cache) if (entry.expiresAt <= now) cache.delete(name);
      s.sweepAt = Math.max(1024, cache.size * 2);
    }
  }

  async getCache(appId: string, channel: string): Promise<CachedEvent | null> {
    const cache = this.cache(appId).entries;
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
