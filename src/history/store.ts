/**
 * Where channel history lives: the last `size` events of each channel that has a rule, each with a
 * per-channel serial (1, 2, 3… with no holes) and the publishing node's timestamp, plus the
 * "user left at serial N" marks that resume reads. In memory on one node (memory-store.ts), in Redis
 * Streams when an adapter is configured (redis-store.ts).
 */

export interface HistoryEntry {
  serial: number;
  /** Milliseconds since the epoch, from the publishing node's clock. */
  at: number;
  /** The server→client frame exactly as delivered live. */
  frame: string;
}

export interface HistoryPage {
  /** In serial order. */
  entries: HistoryEntry[];
  /** The channel's newest serial (0 when it has no history). */
  last: number;
  /** The oldest serial still kept (last + 1 when nothing is kept). */
  first: number;
}

export interface Limits {
  size: number;
  ttlSeconds: number;
}

export interface LeftMark {
  /** The last serial delivered to the user's connection that closed last. */
  serial: number;
  /** When that connection closed (ms since the epoch). */
  at: number;
}

export interface HistoryStore {
  /** Stores an event and numbers it. */
  append(appId: string, channel: string, frame: string, at: number, limits: Limits): Promise<number>;
  /** Entries with serial > `after`, oldest first, at most `limit`. */
  after(appId: string, channel: string, after: number, limit: number): Promise<HistoryPage>;
  /** The newest `count` entries (none when count is 0), oldest first. */
  latest(appId: string, channel: string, count: number): Promise<HistoryPage>;
  /** The channel got its first subscriber: its history stops expiring. */
  hold(appId: string, channel: string): Promise<void>;
  /** The channel lost its last subscriber: its history expires after `ttlSeconds`. */
  release(appId: string, channel: string, ttlSeconds: number): Promise<void>;
  /** Records where a user's connection stopped receiving; the newer mark wins. Kept `keepSeconds`. */
  markLeft(
    appId: string,
    channel: string,
    userId: string,
    mark: LeftMark,
    keepSeconds: number,
  ): Promise<void>;
  leftMark(appId: string, channel: string, userId: string): Promise<LeftMark | null>;
  close(): Promise<void>;
}
