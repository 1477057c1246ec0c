/**
 * The seam between one Herald node and the rest of the cluster, in three roles:
 *
 * - data plane: `broadcast` carries an envelope to every node (this one included);
 * - membership: subscription counts, presence members, the user index and cache values, whose answers
 *   are cluster-wide (first/last transitions decide member and occupancy events);
 * - control: `terminate` and watchlist changes travel as envelopes too; `close` leaves cleanly.
 *
 * Nothing here knows about sockets: delivery to this node's sockets goes through `NodeDelivery`.
 */
import type { MemberSnapshot } from '../channels/presence-snapshot.js';
import type { Envelope, Sealed } from './envelope.js';

export type {
  ChannelEnvelope,
  Envelope,
  MemberEnvelope,
  Sealed,
  TerminateEnvelope,
  UserEnvelope,
  WatchlistEnvelope,
} from './envelope.js';

/** Implemented by the node's hub: the adapter hands it envelopes to deliver to local sockets. */
export interface NodeDelivery {
  deliver(envelope: Sealed): void;
  /**
   * Called when the adapter learns a member disappeared without a clean leave (a dead node): the node
   * announces member_removed (at the channel's membership `version`) and fires webhooks.
   */
  memberGone?(appId: string, channel: string, userId: string, version: number, quiet?: boolean): void;
  /** Called when a user's last signed-in socket was on a dead node (cleanup): the user went offline. */
  userGone?(appId: string, userId: string): void;
  /** Called when a channel's cluster-wide subscription count reached 0 through a dead node's cleanup. */
  channelGone?(appId: string, channel: string): void;
  /**
   * Called when the adapter wrote this node's share back (after a shared-state outage, or after other
   * nodes presumed it dead) and a member of one of its sockets became a member again: announce
   * member_added as a join would have. `socketId` is that member's socket here, which needs telling
   * only if it was told the member left.
   *
   * `quiet` (on both): the change only repairs the shared state (Redis lost its data, or this node was
   * out of reach and already told its own side): sockets are told only what they lack, and no webhook
   * fires again. Not quiet: after other nodes reaped this one and announced its members' leaves.
   */
  memberBack?(
    appId: string,
    channel: string,
    member: PresenceMember,
    version: number,
    socketId?: string,
    quiet?: boolean,
  ): void;
  /** The same for a channel whose cluster-wide subscription count went from 0 back above 0. */
  channelBack?(appId: string, channel: string): void;
  /** A channel's cluster-wide subscription count changed through such a cleanup or write-back. */
  countChanged?(appId: string, channel: string, count: number): void;
  /**
   * After an outage: the cluster's current members of a presence channel this node serves. The node
   * tells its sockets what they missed (announcements lost while its subscriber was reconnecting).
   */
  membersNow?(appId: string, channel: string, snapshot: PresenceSnapshot): void;
}

export interface PresenceMember {
  userId: string;
  userInfo: unknown;
}

export interface MemberChange {
  /** True when this socket is the user's first (on add) or last (on remove) in the channel, cluster-wide. */
  changed: boolean;
  /** Distinct users in the channel after the change. */
  userCount: number;
  /** The channel's membership version after the change (see MemberEnvelope). */
  version: number;
}

/** A presence channel's members as of one membership version. */
export interface PresenceSnapshot {
  members: Map<string, unknown>;
  version: number;
}

export interface CachedEvent {
  event: string;
  data: string;
  /** Seconds left before it expires. */
  ttl: number;
}

export interface ChannelStats {
  subscriptionCount: number;
  /** Distinct presence users (presence channels only). */
  userCount?: number;
}

export interface Adapter {
  readonly nodeId: string;
  /** Connects (if remote) and starts handing envelopes from other nodes to `delivery`. */
  start(delivery: NodeDelivery): Promise<void>;
  /** Leaves the cluster: removes this node's memberships so others see clean leaves. */
  close(): Promise<void>;
  /** True when the adapter can reach its shared state (always for the local adapter). */
  ready(): boolean;

  // data plane
  /** Seals and delivers to every node, this one included. Local delivery happens synchronously. */
  broadcast(envelope: Envelope): void;
  /**
   * `broadcast`, with the shared transport's acknowledgement: resolves once every node can get the
   * envelope, rejects when it cannot (a trigger then answers 503, not 200). Undefined when delivery was
   * complete at once (one process is the whole cluster).
   */
  publish(envelope: Envelope): Promise<void> | undefined;
  /** False while envelopes cannot reach the other nodes (shared state out of reach). */
  publishable(): boolean;
  /** Why this node answers for itself alone (reported by /ready), or null. */
  degraded(): string | null;

  // membership: subscriptions (cluster-wide counts)
  /** Adds a socket to a channel; returns the cluster-wide subscription count after it. */
  subscribe(appId: string, channel: string, socketId: string): Promise<number>;
  /** Removes a socket from a channel; returns the cluster-wide subscription count after it. */
  unsubscribe(appId: string, channel: string, socketId: string): Promise<number>;
  channels(appId: string): Promise<Map<string, ChannelStats>>;
  channel(appId: string, channel: string): Promise<ChannelStats>;

  // membership: presence
  addMember(appId: string, channel: string, socketId: string, member: PresenceMember): Promise<MemberChange>;
  removeMember(appId: string, channel: string, socketId: string, userId: string): Promise<MemberChange>;
  /** Distinct members (userId → userInfo) of a presence channel. */
  members(appId: string, channel: string): Promise<Map<string, unknown>>;
  /** The members with the membership version they reflect (what a joining socket is told). */
  snapshot(appId: string, channel: string): Promise<PresenceSnapshot>;
  /**
   * The current members kept encoded for joiners, when this process holds the authoritative list (the
   * local adapter): read synchronously, so a joiner's list and its indexing happen in one turn and no
   * version check is needed. Other adapters answer `snapshot`.
   */
  encodedSnapshot?(appId: string, channel: string): MemberSnapshot | undefined;

  // membership: users (sign-in index)
  /** Records a signed-in socket; true when it is the user's first socket cluster-wide. */
  addUserSocket(appId: string, userId: string, socketId: string): Promise<boolean>;
  /** Forgets a signed-in socket; true when it was the user's last socket cluster-wide. */
  removeUserSocket(appId: string, userId: string, socketId: string): Promise<boolean>;
  /** The subset of `userIds` that have at least one signed-in socket. */
  onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]>;

  // cache channels
  setCache(appId: string, channel: string, event: string, data: string, ttlSeconds: number): Promise<void>;
  getCache(appId: string, channel: string): Promise<CachedEvent | null>;
}
