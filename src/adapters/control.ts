/**
 * The control role of the adapter seam: joining and leaving the cluster, node liveness and the dead-node
 * cleanup, and the two ways the adapter hands this node what it learned: envelopes to deliver (to the
 * hub) and cluster news (members gone with a dead node, a write-back's repairs: to the announcer). Terminate, watchlist and user
 * events travel as envelopes through the broker.
 */
import type { Sealed } from './envelope.js';
import type { PresenceMember, PresenceSnapshot } from './membership.js';

/** Implemented by the node's hub: the adapter hands it envelopes to deliver to local sockets. */
export interface NodeDelivery {
  deliver(envelope: Sealed): void;
  /**
   * After an outage: the cluster's current members of a presence channel this node serves. The node
   * tells its sockets what they missed (announcements lost while its subscriber was reconnecting).
   */
  membersNow?(appId: string, channel: string, snapshot: PresenceSnapshot): void;
}

/**
 * What the adapter's control role learns without a client asking: a dead node's cleanup, or this
 * node's write-back after an outage. Implemented by the node's announcer (src/channels/announcer.ts),
 * which owns member and occupancy announcements, and handed to the adapter at `start`.
 */
export interface ClusterNews {
  /**
   * A member disappeared without a clean leave (a dead node): announce member_removed (at the
   * channel's membership `version`) and fire webhooks.
   */
  memberGone(appId: string, channel: string, userId: string, version: number, quiet?: boolean): void;
  /** A user's last signed-in socket was on a dead node (cleanup): the user went offline. */
  userGone(appId: string, userId: string): void;
  /** A channel's cluster-wide subscription count reached 0 through a dead node's cleanup. */
  channelGone(appId: string, channel: string): void;
  /**
   * The adapter wrote this node's share back (after a shared-state outage, or after other nodes
   * presumed it dead) and a member of one of its sockets became a member again: announce member_added
   * as a join would have. `socketId` is that member's socket here, which needs telling only if it was
   * told the member left.
   *
   * `quiet` (on both): the change only repairs the shared state (Redis lost its data, or this node was
   * out of reach and already told its own side): sockets are told only what they lack, and no webhook
   * fires again. Not quiet: after other nodes reaped this one and announced its members' leaves.
   */
  memberBack(
    appId: string,
    channel: string,
    member: PresenceMember,
    version: number,
    socketId?: string,
    quiet?: boolean,
  ): void;
  /** The same for a channel whose cluster-wide subscription count went from 0 back above 0. */
  channelBack(appId: string, channel: string): void;
  /** A channel's cluster-wide subscription count changed through such a cleanup or write-back. */
  countChanged(appId: string, channel: string, count: number): void;
}

export interface Control {
  readonly nodeId: string;
  /**
   * Connects (if remote) and starts handing envelopes from other nodes to `delivery`, and what it
   * learns of dead nodes and write-backs to `news` (none: nobody announces them).
   */
  start(delivery: NodeDelivery, news?: ClusterNews): Promise<void>;
  /** Leaves the cluster: removes this node's memberships so others see clean leaves. */
  close(): Promise<void>;
  /** True when the adapter can reach its shared state (always for the local adapter). */
  ready(): boolean;

  /** Why this node answers for itself alone (reported by /ready), or null. */
  degraded(): string | null;
}
