/** Per-app limits with Pusher's defaults (docs/protocol-requirements.md#limits); presence members default higher than Pusher's 100. */

export interface AppLimits {
  /** Max concurrent connections for the app; 0 = unlimited (4004 past it). */
  maxConnections: number;
  /** Max UTF-8 bytes of an event's `data` (HTTP API 413, client events pusher:error). */
  maxEventPayloadBytes: number;
  maxChannelNameLength: number;
  maxEventNameLength: number;
  maxChannelsPerEvent: number;
  maxBatchSize: number;
  maxPresenceMembers: number;
  maxPresenceUserIdLength: number;
  maxPresenceUserInfoBytes: number;
  /** Client events per second per connection (4301 past it). */
  maxClientEventsPerSecond: number;
  maxWatchlistSize: number;
  /** HTTP API requests per second for the app; 0 = unlimited (429 past it). */
  maxApiRequestsPerSecond: number;
}

/**
 * Herald's client event rate has no "unlimited" setting; soketi's -1 (from its apps table or an imported
 * config) becomes this rate, which no connection reaches.
 */
export const UNLIMITED_CLIENT_EVENT_RATE = 1_000_000_000;

export const DEFAULT_LIMITS: Readonly<AppLimits> = Object.freeze({
  maxConnections: 0,
  maxEventPayloadBytes: 10 * 1024,
  maxChannelNameLength: 200,
  maxEventNameLength: 200,
  maxChannelsPerEvent: 100,
  maxBatchSize: 10,
  maxPresenceMembers: 10_000,
  maxPresenceUserIdLength: 128,
  maxPresenceUserInfoBytes: 1024,
  maxClientEventsPerSecond: 10,
  maxWatchlistSize: 100,
  maxApiRequestsPerSecond: 0,
});
