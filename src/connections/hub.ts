/**
 * This node's index of live connections: by app, by channel, by signed-in user and by watched user.
 * It is the `NodeDelivery` the adapter hands envelopes to, and the only place frames fan out to
 * sockets: a frame is prepared once per envelope and the same bytes go to every recipient.
 */
import type { Envelope, NodeDelivery, PresenceMember } from '../adapters/adapter.js';
import type { ServerEvents } from '../events/server-events.js';
import { encodeWatchlistEvents } from '../protocol/messages.js';
import { prepareFrame } from '../transport/ws-frame.js';
import type { Connection } from './connection.js';
import { closeWith } from './wire-errors.js';

class AppIndex {
  readonly connections = new Set<Connection>();
  readonly channels = new Map<string, Set<Connection>>();
  readonly users = new Map<string, Set<Connection>>();
  /** watched user id → connections whose watchlist includes it */
  readonly watchers = new Map<string, Set<Connection>>();
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

export interface HubHooks {
  /** A dead node's member vanished (adapter cleanup): announce member_removed locally. */
  memberGone?(appId: string, channel: string, userId: string): void;
  channelGone?(appId: string, channel: string): void;
  /** This node's member is back after the adapter wrote its state back: announce member_added. */
  memberBack?(appId: string, channel: string, member: PresenceMember, except?: string): void;
  channelBack?(appId: string, channel: string): void;
  countChanged?(appId: string, channel: string, count: number): void;
}

export class Hub implements NodeDelivery {
  private readonly apps = new Map<string, AppIndex>();
  private total = 0;

  constructor(
    private readonly events: ServerEvents,
    private readonly hooks: HubHooks = {},
  ) {}

  private index(appId: string): AppIndex {
    let idx = this.apps.get(appId);
    if (!idx) {
      idx = new AppIndex();
      this.apps.set(appId, idx);
    }
    return idx;
  }

  get connectionCount(): number {
    return this.total;
  }

  appConnectionCount(appId: string): number {
    return this.apps.get(appId)?.connections.size ?? 0;
  }

  /** This node's connections to one app (an app changed or was disabled). */
  connectionsOf(appId: string): ReadonlySet<Connection> {
    return this.apps.get(appId)?.connections ?? new Set();
  }

  /** Every live connection on this node (liveness sweep, shutdown). */
  *allConnections(): IterableIterator<Connection> {
    for (const idx of this.apps.values()) yield* idx.connections;
  }

  /** Connections per app id, for gauges. */
  connectionsByApp(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, idx] of this.apps) out.set(id, idx.connections.size);
    return out;
  }

  /** Local subscriber counts per app and channel, for gauges. */
  channelsByApp(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const [id, idx] of this.apps) {
      const m = new Map<string, number>();
      for (const [name, set] of idx.channels) m.set(name, set.size);
      out.set(id, m);
    }
    return out;
  }

  addConnection(conn: Connection): void {
    this.index(conn.app.id).connections.add(conn);
    this.total++;
  }

  removeConnection(conn: Connection): void {
    const idx = this.apps.get(conn.app.id);
    if (idx?.connections.delete(conn)) this.total--;
  }

  addSubscriber(conn: Connection, channel: string): void {
    addTo(this.index(conn.app.id).channels, channel, conn);
  }

  removeSubscriber(conn: Connection, channel: string): void {
    const idx = this.apps.get(conn.app.id);
    if (idx) removeFrom(idx.channels, channel, conn);
  }

  addUser(conn: Connection, userId: string, watchlist: readonly string[]): void {
    const idx = this.index(conn.app.id);
    addTo(idx.users, userId, conn);
    for (const watched of watchlist) addTo(idx.watchers, watched, conn);
  }

  removeUser(conn: Connection, userId: string, watchlist: readonly string[]): void {
    const idx = this.apps.get(conn.app.id);
    if (!idx) return;
    removeFrom(idx.users, userId, conn);
    for (const watched of watchlist) removeFrom(idx.watchers, watched, conn);
  }

  localSubscribers(appId: string, channel: string): number {
    return this.apps.get(appId)?.channels.get(channel)?.size ?? 0;
  }

  deliver(envelope: Envelope): void {
    const idx = this.apps.get(envelope.appId);
    if (!idx) return;
    switch (envelope.kind) {
      case 'channel': {
        const set = idx.channels.get(envelope.channel);
        const recipients = set ? this.fanOut(set, envelope.frame, envelope.except) : 0;
        if (this.events.wants('event_published')) {
          this.events.emit({
            type: 'event_published',
            appId: envelope.appId,
            channel: envelope.channel,
            event: '',
            bytes: Buffer.byteLength(envelope.frame),
            source: envelope.source ?? 'internal',
            recipients,
          });
        }
        return;
      }
      case 'user': {
        const set = idx.users.get(envelope.userId);
        if (set) this.fanOut(set, envelope.frame, envelope.except);
        return;
      }
      case 'terminate': {
        const set = idx.users.get(envelope.userId);
        if (!set) return;
        for (const conn of [...set]) closeWith(conn, 'userTerminated');
        return;
      }
      case 'watchlist': {
        const set = idx.watchers.get(envelope.userId);
        if (!set) return;
        const frame = prepareFrame(
          encodeWatchlistEvents([
            { name: envelope.online ? 'online' : 'offline', user_ids: [envelope.userId] },
          ]),
        );
        for (const conn of set) if (conn.app.watchlistEvents) conn.send(frame);
        return;
      }
    }
  }

  private fanOut(set: Set<Connection>, text: string, except: string | undefined): number {
    const frame = prepareFrame(text);
    let n = 0;
    if (except === undefined) {
      for (const conn of set) conn.socket.send(frame);
      return set.size;
    }
    for (const conn of set) {
      if (conn.socketId === except) continue;
      conn.socket.send(frame);
      n++;
    }
    return n;
  }

  memberGone(appId: string, channel: string, userId: string): void {
    this.hooks.memberGone?.(appId, channel, userId);
  }

  channelGone(appId: string, channel: string): void {
    this.hooks.channelGone?.(appId, channel);
  }

  memberBack(appId: string, channel: string, member: PresenceMember, except?: string): void {
    this.hooks.memberBack?.(appId, channel, member, except);
  }

  channelBack(appId: string, channel: string): void {
    this.hooks.channelBack?.(appId, channel);
  }

  countChanged(appId: string, channel: string, count: number): void {
    this.hooks.countChanged?.(appId, channel, count);
  }
}
