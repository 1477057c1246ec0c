/**
 * An `Adapter` made of its three roles, each implemented in a module of its own (local/, redis/, ipc/):
 * this class only forwards, so no implementation module holds two roles.
 */

import type { MemberSnapshot } from '../channels/presence-snapshot.js';
import type { ChannelRegistry } from '../channels/registry.js';
import type { Adapter, ClusterNews, NodeDelivery } from './adapter.js';
import type { Broker } from './broker.js';
import type { Control } from './control.js';
import type { Envelope } from './envelope.js';
import type {
  CachedEvent,
  ChannelStats,
  MemberChange,
  Membership,
  PresenceMember,
  PresenceSnapshot,
} from './membership.js';

export class ComposedAdapter implements Adapter {
  constructor(
    readonly registry: ChannelRegistry,
    protected readonly broker: Broker,
    protected readonly membership: Membership,
    protected readonly control: Control,
  ) {}

  // control
  get nodeId(): string {
    return this.control.nodeId;
  }
  start(delivery: NodeDelivery, news?: ClusterNews): Promise<void> {
    return this.control.start(delivery, news);
  }
  close(): Promise<void> {
    return this.control.close();
  }
  ready(): boolean {
    return this.control.ready();
  }
  degraded(): string | null {
    return this.control.degraded();
  }

  // broker
  broadcast(envelope: Envelope): void {
    this.broker.broadcast(envelope);
  }
  publish(envelope: Envelope): Promise<void> | undefined {
    return this.broker.publish(envelope);
  }
  publishable(): boolean {
    return this.broker.publishable();
  }

  // membership
  subscribe(appId: string, channel: string, socketId: string): Promise<number> {
    return this.membership.subscribe(appId, channel, socketId);
  }
  unsubscribe(appId: string, channel: string, socketId: string): Promise<number> {
    return this.membership.unsubscribe(appId, channel, socketId);
  }
  channels(appId: string): Promise<Map<string, ChannelStats>> {
    return this.membership.channels(appId);
  }
  channel(appId: string, channel: string): Promise<ChannelStats> {
    return this.membership.channel(appId, channel);
  }
  addMember(appId: string, channel: string, socketId: string, member: PresenceMember): Promise<MemberChange> {
    return this.membership.addMember(appId, channel, socketId, member);
  }
  removeMember(appId: string, channel: string, socketId: string, userId: string): Promise<MemberChange> {
    return this.membership.removeMember(appId, channel, socketId, userId);
  }
  members(appId: string, channel: string): Promise<Map<string, unknown>> {
    return this.membership.members(appId, channel);
  }
  snapshot(appId: string, channel: string): Promise<PresenceSnapshot> {
    return this.membership.snapshot(appId, channel);
  }
  encodedSnapshot(appId: string, channel: string): MemberSnapshot | undefined {
    return this.membership.encodedSnapshot?.(appId, channel);
  }
  addUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    return this.membership.addUserSocket(appId, userId, socketId);
  }
  removeUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    return this.membership.removeUserSocket(appId, userId, socketId);
  }
  onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]> {
    return this.membership.onlineUsers(appId, userIds);
  }
  setCache(appId: string, channel: string, event: string, data: string, ttlSeconds: number): Promise<void> {
    return this.membership.setCache(appId, channel, event, data, ttlSeconds);
  }
  getCache(appId: string, channel: string): Promise<CachedEvent | null> {
    return this.membership.getCache(appId, channel);
  }
}
