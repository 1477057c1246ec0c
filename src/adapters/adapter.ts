/**
 * The seam between one Herald node and the rest of the cluster: three roles, each a type of its own
 * (centrifuge's Broker / PresenceManager / Controller split):
 *
 * - broker.ts: `broadcast` / `publish` carry a sealed envelope to every node (this one included);
 * - membership.ts: subscription counts, presence members, the user index and cache values, whose
 *   answers are cluster-wide (first/last transitions decide member and occupancy events);
 * - control.ts: start, leave, readiness; `NodeDelivery` (envelopes to the hub) and `ClusterNews`
 *   (dead nodes, write-backs, to the announcer).
 *
 * Each implementation plays the three against one shared state (local memory, the IPC primary, Redis),
 * one module per role (local/, ipc/, redis/) composed by `ComposedAdapter`. Nothing here knows about sockets: delivery to this node's sockets goes through `NodeDelivery`.
 */
import type { ChannelRegistry } from '../channels/registry.js';
import type { Broker } from './broker.js';
import type { Control } from './control.js';
import type { Membership } from './membership.js';

export type { Broker } from './broker.js';
export type { ClusterNews, Control, NodeDelivery } from './control.js';
export type {
  ChannelEnvelope,
  Envelope,
  MemberEnvelope,
  Sealed,
  TerminateEnvelope,
  UserEnvelope,
  WatchlistEnvelope,
} from './envelope.js';
export type {
  CachedEvent,
  ChannelStats,
  MemberChange,
  Membership,
  PresenceMember,
  PresenceSnapshot,
} from './membership.js';

export interface Adapter extends Broker, Membership, Control {
  /**
   * This node's channel registry (src/channels/registry.ts), the one owner of local membership: the
   * membership role writes this node's share into it, the hub delivers from it.
   */
  readonly registry: ChannelRegistry;
}
