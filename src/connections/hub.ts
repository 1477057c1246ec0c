/**
 * This node's index of live connections: by app, by signed-in user and by watched user; who is in
 * which channel is the channel registry's (src/channels/registry.ts), read here. It is the
 * `NodeDelivery` the adapter hands envelopes to, and the only place frames fan out to sockets: a frame
 * is prepared once per envelope and the same bytes go to every recipient.
 */
import type { NodeDelivery, PresenceSnapshot, Sealed } from '../adapters/adapter.js';
import type { ChannelRegistry } from '../channels/registry.js';
import type { ServerEvents } from '../events/server-events.js';
import { encodeMemberAdded, encodeMemberRemoved, encodeWatchlistEvents } from '../protocol/messages.js';
import type { TransportName } from '../transport/client-socket.js';
import { prepareFrame } from '../transport/ws-frame.js';
import type { Connection } from './connection.js';
import { closeWith } from './wire-errors.js';

class AppIndex {
  readonly connections = new Set<Connection>();
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

export class Hub implements NodeDelivery {
  private readonly apps = new Map<string, AppIndex>();
  private total = 0;

  constructor(
    private readonly events: ServerEvents,
    readonly registry: ChannelRegistry,
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

  /** Connections per app id and transport, for gauges (walks every connection: scrape time only). */
  connectionsByTransport(): Map<string, Map<TransportName, number>> {
    const out = new Map<string, Map<TransportName, number>>();
    for (const [id, idx] of this.apps) {
      const m = new Map<TransportName, number>();
      for (const conn of idx.connections)
        m.set(conn.socket.transport, (m.get(conn.socket.transport) ?? 0) + 1);
      out.set(id, m);
    }
    return out;
  }

  /** Local subscriber counts per app and channel, for gauges. */
  channelsByApp(): Map<string, Map<string, number>> {
    return this.registry.subscriberCounts();
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
    this.registry.addSubscriber(conn, channel);
  }

  removeSubscriber(conn: Connection, channel: string): void {
    this.registry.removeSubscriber(conn, channel);
  }

  /**
   * A socket is about to be told this presence snapshot: records it in the channel's member view and
   * returns the member list to send, with what changed here since the snapshot was taken.
   */
  presenceList(appId: string, channel: string, snapshot: PresenceSnapshot): Map<string, unknown> {
    const view = this.registry.joining(appId, channel).memberView();
    const { added, removed } = view.took(snapshot.members, snapshot.version);
    if (added.size === 0 && removed.length === 0) return snapshot.members;
    const list = new Map(snapshot.members);
    for (const [id, info] of added) list.set(id, info);
    for (const id of removed) list.delete(id);
    return list;
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
    return this.registry.localSubscribers(appId, channel);
  }

  deliver(envelope: Sealed): void {
    switch (envelope.kind) {
      case 'channel': {
        const ch = this.registry.channel(envelope.appId, envelope.channel);
        const recipients = ch ? this.fanOut(ch.subscribers, envelope.frame, envelope.except) : 0;
        this.published(envelope.appId, envelope.channel, envelope.frame, envelope.source, recipients);
        return;
      }
      case 'member': {
        const ch = this.registry.channel(envelope.appId, envelope.channel);
        if (!ch || ch.subscribers.size === 0) return;
        const added = envelope.change === 'added';
        const { userId, version, userInfo, repair } = envelope;
        if (ch.view && !ch.view.admit(userId, added, version, userInfo, repair === true)) return;
        const frame = added
          ? encodeMemberAdded(envelope.channel, envelope.userId, envelope.userInfo)
          : encodeMemberRemoved(envelope.channel, envelope.userId);
        const recipients = this.fanOut(ch.subscribers, frame, envelope.except);
        this.published(envelope.appId, envelope.channel, frame, 'internal', recipients);
        return;
      }
      case 'user': {
        const set = this.apps.get(envelope.appId)?.users.get(envelope.userId);
        if (set) this.fanOut(set, envelope.frame, envelope.except);
        return;
      }
      case 'terminate': {
        const set = this.apps.get(envelope.appId)?.users.get(envelope.userId);
        if (!set) return;
        for (const conn of [...set]) closeWith(conn, 'userTerminated');
        return;
      }
      case 'watchlist': {
        const set = this.apps.get(envelope.appId)?.watchers.get(envelope.userId);
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

  private published(
    appId: string,
    channel: string,
    frame: string,
    source: 'api' | 'client' | 'internal' | undefined,
    recipients: number,
  ): void {
    if (!this.events.wants('event_published')) return;
    this.events.emit({
      type: 'event_published',
      appId,
      channel,
      event: '',
      bytes: Buffer.byteLength(frame),
      source: source ?? 'internal',
      recipients,
    });
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

  /** Local sockets of the channel were told the user is a member (true unless told it left). */
  believes(appId: string, channel: string, userId: string): boolean {
    return this.registry.channel(appId, channel)?.view?.believes(userId) ?? true;
  }

  membersNow(appId: string, channel: string, snapshot: PresenceSnapshot): void {
    const ch = this.registry.channel(appId, channel);
    if (!ch?.view) return;
    const { added, removed } = ch.view.reconcile(snapshot.members, snapshot.version);
    for (const [userId, info] of added)
      this.fanOut(ch.subscribers, encodeMemberAdded(channel, userId, info), undefined);
    for (const userId of removed)
      this.fanOut(ch.subscribers, encodeMemberRemoved(channel, userId), undefined);
  }
}
