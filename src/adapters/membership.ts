/**
 * The membership role of the adapter seam: cluster-wide answers (subscription counts, presence
 * members with their membership version, the signed-in user index, cache values), backed by leases
 * in the remote adapters (each entry names its node; a node's heartbeat is the lease). First/last
 * transitions decided here are what member and occupancy events and webhooks are built from.
 */
import type { MemberSnapshot } from '../channels/presence-snapshot.js';

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

export interface Membership {
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
