/**
 * This node's channel registry: the one owner of local membership.
 *
 * - socket → channels: each connection's subscriptions, claimed when a subscribe starts (so a second
 *   one is refused and a close can undo it) and released when it ends;
 * - channel → sockets (LocalChannel): this node's sockets in the channel's shared membership and its
 *   presence users with their sockets, written by the adapter's membership role as it calls the shared
 *   state; and the connections the channel's events are delivered to, with what they were told of
 *   members;
 * - user → signed-in sockets of this node (written by the membership role).
 *
 * Readers: the hub's delivery, the in-memory membership (its answers are this registry's when one
 * process is the whole cluster), the Redis membership (this node's answers while Redis is out of
 * reach, and its share written back after), metrics and the console.
 */
import type { ChannelStats, MemberChange, PresenceMember } from '../adapters/membership.js';
import type { Connection } from '../connections/connection.js';
import { LocalChannel } from './local-channel.js';

/** Per-channel state of a subscription; presence subscriptions remember their member id. */
export interface Subscription {
  readonly userId: string | undefined;
}

const isPresence = (channel: string) => channel.startsWith('presence-');

export class ChannelRegistry {
  /** appId → channel → what this node holds there */
  private readonly apps = new Map<string, Map<string, LocalChannel>>();
  /** appId → user id → this node's signed-in sockets */
  private readonly signedIn = new Map<string, Map<string, Set<string>>>();
  private readonly claims = new Map<Connection, Map<string, Subscription>>();

  // --- socket → channels ------------------------------------------------------------------------

  subscription(conn: Connection, channel: string): Subscription | undefined {
    return this.claims.get(conn)?.get(channel);
  }

  /** The channels a connection is subscribed to (or subscribing), with their subscription. */
  subscriptionsOf(conn: Connection): ReadonlyMap<string, Subscription> {
    return this.claims.get(conn) ?? new Map();
  }

  claim(conn: Connection, channel: string, sub: Subscription): void {
    let map = this.claims.get(conn);
    if (!map) {
      map = new Map();
      this.claims.set(conn, map);
    }
    map.set(channel, sub);
  }

  /** Ends a claim; returns the subscription it was, if any. */
  release(conn: Connection, channel: string): Subscription | undefined {
    const map = this.claims.get(conn);
    const sub = map?.get(channel);
    if (!map || !sub) return undefined;
    map.delete(channel);
    if (map.size === 0) this.claims.delete(conn);
    return sub;
  }

  // --- channel → connections: delivery ----------------------------------------------------------

  channel(appId: string, channel: string): LocalChannel | undefined {
    return this.apps.get(appId)?.get(channel);
  }

  private held(appId: string, channel: string): LocalChannel {
    let app = this.apps.get(appId);
    if (!app) {
      app = new Map();
      this.apps.set(appId, app);
    }
    let ch = app.get(channel);
    if (!ch) {
      ch = new LocalChannel(channel);
      app.set(channel, ch);
    }
    return ch;
  }

  private forgetIfIdle(appId: string, ch: LocalChannel): void {
    if (!ch.idle) return;
    const app = this.apps.get(appId);
    app?.delete(ch.name);
    if (app?.size === 0) this.apps.delete(appId);
  }

  /** The connection receives the channel's events from now on. */
  addSubscriber(conn: Connection, channel: string): LocalChannel {
    const ch = this.held(conn.app.id, channel);
    ch.subscribers.add(conn);
    return ch;
  }

  removeSubscriber(conn: Connection, channel: string): void {
    const ch = this.channel(conn.app.id, channel);
    if (!ch) return;
    ch.subscribers.delete(conn);
    // A view describes what current subscribers were told; the next joiner starts a new one.
    if (ch.subscribers.size === 0) ch.view = null;
    this.forgetIfIdle(conn.app.id, ch);
  }

  /** The channel, held for a joiner about to be told its members. */
  joining(appId: string, channel: string): LocalChannel {
    return this.held(appId, channel);
  }

  localSubscribers(appId: string, channel: string): number {
    return this.channel(appId, channel)?.subscribers.size ?? 0;
  }

  /** Local subscriber counts per app and channel, for gauges. */
  subscriberCounts(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const [appId, app] of this.apps) {
      const m = new Map<string, number>();
      for (const [name, ch] of app) if (ch.subscribers.size > 0) m.set(name, ch.subscribers.size);
      if (m.size > 0) out.set(appId, m);
    }
    return out;
  }

  // --- this node's share of the shared membership (written by the membership role) -------------

  /** Returns this node's subscription count in the channel after the change. */
  subscribe(appId: string, channel: string, socketId: string): number {
    const ch = this.held(appId, channel);
    ch.sockets.add(socketId);
    return ch.sockets.size;
  }

  unsubscribe(appId: string, channel: string, socketId: string): number {
    const ch = this.channel(appId, channel);
    if (!ch) return 0;
    ch.sockets.delete(socketId);
    const left = ch.sockets.size;
    this.forgetIfIdle(appId, ch);
    return left;
  }

  /** `changed` when it is the user's first socket here; version 0: this node's answer alone. */
  addMember(appId: string, channel: string, socketId: string, member: PresenceMember): MemberChange {
    const ch = this.held(appId, channel);
    const changed = ch.addMember(socketId, member.userId, member.userInfo);
    return { changed, userCount: ch.users.size, version: 0 };
  }

  /** `changed` when it was the user's last socket here. */
  removeMember(appId: string, channel: string, socketId: string, userId: string): MemberChange {
    const ch = this.channel(appId, channel);
    if (!ch) return { changed: false, userCount: 0, version: 0 };
    const changed = ch.removeMember(socketId, userId);
    const userCount = ch.users.size;
    this.forgetIfIdle(appId, ch);
    return { changed, userCount, version: 0 };
  }

  stats(appId: string, channel: string): ChannelStats {
    const ch = this.channel(appId, channel);
    const count = ch?.sockets.size ?? 0;
    return isPresence(channel)
      ? { subscriptionCount: count, userCount: ch?.users.size ?? 0 }
      : { subscriptionCount: count };
  }

  /** Every channel this node has sockets in, with its stats. */
  allStats(appId: string): Map<string, ChannelStats> {
    const out = new Map<string, ChannelStats>();
    for (const [name, ch] of this.apps.get(appId) ?? []) {
      if (ch.sockets.size > 0) out.set(name, this.stats(appId, name));
    }
    return out;
  }

  members(appId: string, channel: string): Map<string, unknown> {
    return this.channel(appId, channel)?.members() ?? new Map();
  }

  /** Channels where this node holds sockets or members: [appId, channel, what it holds]. */
  *shares(): IterableIterator<[string, string, LocalChannel]> {
    for (const [appId, app] of this.apps) {
      for (const [name, ch] of app) if (ch.sockets.size > 0 || ch.users.size > 0) yield [appId, name, ch];
    }
  }

  // --- signed-in users (written by the membership role) -----------------------------------------

  /** True when it is the user's first signed-in socket on this node. */
  addUser(appId: string, userId: string, socketId: string): boolean {
    let app = this.signedIn.get(appId);
    if (!app) {
      app = new Map();
      this.signedIn.set(appId, app);
    }
    let set = app.get(userId);
    if (!set) {
      set = new Set();
      app.set(userId, set);
    }
    if (set.has(socketId)) return false;
    set.add(socketId);
    return set.size === 1;
  }

  /** True when it was the user's last signed-in socket on this node. */
  removeUser(appId: string, userId: string, socketId: string): boolean {
    const app = this.signedIn.get(appId);
    const set = app?.get(userId);
    if (!app || !set?.delete(socketId) || set.size > 0) return false;
    app.delete(userId);
    if (app.size === 0) this.signedIn.delete(appId);
    return true;
  }

  hasUser(appId: string, userId: string): boolean {
    return this.signedIn.get(appId)?.has(userId) ?? false;
  }

  /** Signed-in users of this node: [appId, userId, its socket ids]. */
  *users(): IterableIterator<[string, string, ReadonlySet<string>]> {
    for (const [appId, app] of this.signedIn) for (const [userId, set] of app) yield [appId, userId, set];
  }
}
