/**
 * The one owner of member and occupancy announcements: a join or leave decided on this node
 * (subscribe.ts) and what the adapter's control role learns without a client asking (`ClusterNews`: a
 * dead node's members and channels, this node's write-back after an outage). Each announcement is one
 * member envelope to every node and, unless it only repairs the shared state, one server event here
 * (webhooks and metrics tap those, so each fires once for the cluster).
 */
import type { Broker, ClusterNews, PresenceMember } from '../adapters/adapter.js';
import type { AppStore } from '../apps/app-store.js';
import type { Hub } from '../connections/hub.js';
import type { ServerEvents } from '../events/server-events.js';
import type { SubscriptionCounter } from './subscription-count.js';

export interface AnnouncerDeps {
  broker: Broker;
  events: ServerEvents;
  /** What local sockets were told of a member (a member back needs telling only if told it left). */
  hub: Hub;
  subscriptionCounts: SubscriptionCounter;
  apps: AppStore;
}

export class Announcer implements ClusterNews {
  constructor(private readonly d: AnnouncerDeps) {}

  /**
   * Tells every node's subscribers (but `except`) that `member` joined, and fires member_added once;
   * `quiet` repairs without the server event (and so without a second webhook).
   */
  memberAdded(
    appId: string,
    channel: string,
    member: PresenceMember,
    version: number,
    except?: string,
    quiet = false,
  ): void {
    this.d.broker.broadcast({
      kind: 'member',
      appId,
      channel,
      change: 'added',
      userId: member.userId,
      ...(member.userInfo !== undefined ? { userInfo: member.userInfo } : {}),
      version,
      ...(except ? { except } : {}),
      ...(quiet ? { repair: true as const } : {}),
    });
    if (!quiet) this.d.events.emit({ type: 'member_added', appId, channel, userId: member.userId });
  }

  memberRemoved(appId: string, channel: string, userId: string, version: number, quiet = false): void {
    this.d.broker.broadcast({
      kind: 'member',
      appId,
      channel,
      change: 'removed',
      userId,
      version,
      ...(quiet ? { repair: true as const } : {}),
    });
    if (!quiet) this.d.events.emit({ type: 'member_removed', appId, channel, userId });
  }

  // --- ClusterNews: what the adapter learned of dead nodes and write-backs ------------------------

  memberGone(appId: string, channel: string, userId: string, version: number, quiet?: boolean): void {
    this.memberRemoved(appId, channel, userId, version, quiet);
  }

  memberBack(
    appId: string,
    channel: string,
    member: PresenceMember,
    version: number,
    socketId?: string,
    quiet?: boolean,
  ): void {
    // The member's own socket here knows it is a member, unless others presumed this node dead and
    // their member_removed reached it: then it must hear that it is back.
    const told = this.d.hub.believes(appId, channel, member.userId);
    this.memberAdded(appId, channel, member, version, told ? socketId : undefined, quiet);
  }

  channelGone(appId: string, channel: string): void {
    this.d.events.emit({ type: 'channel_vacated', appId, channel });
  }

  channelBack(appId: string, channel: string): void {
    this.d.events.emit({ type: 'channel_occupied', appId, channel });
  }

  userGone(appId: string, userId: string): void {
    this.d.events.emit({ type: 'user_offline', appId, userId });
  }

  countChanged(appId: string, channel: string, count: number): void {
    void this.d.apps.byId(appId).then((app) => {
      if (app) this.d.subscriptionCounts.changed(app, channel, count);
    });
  }
}
