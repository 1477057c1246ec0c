/** What the message and HTTP handlers of one node share. Built once by the composition root. */
import type { Adapter } from './adapters/adapter.js';
import type { AppStore } from './apps/app-store.js';
import type { Announcer } from './channels/announcer.js';
import type { ChannelRegistry } from './channels/registry.js';
import type { SubscriptionCounter } from './channels/subscription-count.js';
import type { HeraldConfig } from './config/config.js';
import type { Hub } from './connections/hub.js';
import type { ServerEvents } from './events/server-events.js';
import type { History } from './history/history.js';
import type { IdempotencyStore } from './history/idempotency.js';
import type { ClientLog } from './logging/client-log.js';
import type { Logger } from './logging/logger.js';

export interface NodeContext {
  readonly config: HeraldConfig;
  readonly adapter: Adapter;
  readonly apps: AppStore;
  readonly hub: Hub;
  /** Who is in which channel on this node: the one owner of local membership. */
  readonly registry: ChannelRegistry;
  readonly events: ServerEvents;
  readonly logger: Logger;
  /** For log lines a client can cause: rate-limited per connection and per IP. */
  readonly clientLog: ClientLog;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly subscriptionCounts: SubscriptionCounter;
  /** Member and occupancy announcements: joins and leaves here, and the adapter's cluster news. */
  readonly announcer: Announcer;
  /** Channel history, rewind and resume (src/history). */
  readonly history: History;
  readonly idempotency: IdempotencyStore;
}
