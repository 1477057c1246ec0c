/**
 * What crosses nodes: one typed envelope per message, for every broker (local, IPC, Redis).
 *
 * Control facts travel as typed fields, never inside frame text: a presence join or leave is a `member`
 * envelope (the receiving node builds the frame), a watchlist change a `watchlist` one. Only opaque
 * application payloads (`channel`, `user`) carry a frame, encoded once by the publishing node.
 *
 * Every envelope a broker carries is sealed with its `origin` (the publishing node's id) and a `seq`
 * that the origin increments for each envelope it publishes. A receiving node delivers envelopes of one
 * origin and one stream (a channel, a user, the control stream) in `seq` order and drops any it has
 * already passed (see `OrderGuard`), so no read of shared state ever sits between arrival and delivery.
 *
 * `serial` is reserved for per-channel serials (channel history and resume fill it); brokers carry it
 * untouched.
 */

/** An application event on a channel. `frame` is the JSON text of one server→client message. */
export interface ChannelEnvelope {
  kind: 'channel';
  appId: string;
  channel: string;
  frame: string;
  /** Socket id that must not receive it (socket_id exclusion, client-event sender). */
  except?: string;
  /** What published it, for metrics. */
  source?: 'api' | 'client' | 'internal';
  /** Per-channel serial (history / resume); absent until a history store numbers the channel. */
  serial?: number;
}

/**
 * A presence member joined (first socket cluster-wide) or left (last socket). `version` is the channel's
 * membership version returned by the change that decided it: strictly increasing per channel across
 * the cluster (and across a restart of the shared state), so a receiving node can tell an announcement
 * that a later change already overtook from one that still holds.
 */
export interface MemberEnvelope {
  kind: 'member';
  appId: string;
  channel: string;
  change: 'added' | 'removed';
  userId: string;
  /** user_info of an added member (absent when the app sent none). */
  userInfo?: unknown;
  version: number;
  except?: string;
  /**
   * A repair, not news: the member was written back to the shared state after it lost its data or was
   * out of reach. Receivers pass it only to sockets that were told otherwise (no duplicate member_added).
   */
  repair?: true;
  serial?: number;
}

/** A message to one user's signed-in sockets (server-to-user). */
export interface UserEnvelope {
  kind: 'user';
  appId: string;
  userId: string;
  frame: string;
  except?: string;
}

/** Close every signed-in socket of a user (terminate_connections). */
export interface TerminateEnvelope {
  kind: 'terminate';
  appId: string;
  userId: string;
}

/** A user's first signed-in socket opened (online) or last one closed (offline), cluster-wide. */
export interface WatchlistEnvelope {
  kind: 'watchlist';
  appId: string;
  userId: string;
  online: boolean;
}

export type Envelope =
  | ChannelEnvelope
  | MemberEnvelope
  | UserEnvelope
  | TerminateEnvelope
  | WatchlistEnvelope;

/** Who published it and its place in that node's sequence; set by the broker, never by callers. */
export interface Seal {
  origin: string;
  seq: number;
}

export type Sealed<E extends Envelope = Envelope> = E & Seal;

export const channelStream = (appId: string, channel: string): string => `c\n${appId}\n${channel}`;
export const userStream = (appId: string, userId: string): string => `u\n${appId}\n${userId}`;

/** The ordering stream of an envelope: per channel, per user, or the control stream. */
export function streamOf(env: Envelope): string {
  switch (env.kind) {
    case 'channel':
    case 'member':
      return channelStream(env.appId, env.channel);
    case 'user':
    case 'terminate':
      return userStream(env.appId, env.userId);
    case 'watchlist':
      return 'control';
  }
}

/** The publishing side: one counter per node. */
export class Sealer {
  private seq = 0;
  constructor(readonly origin: string) {}

  seal<E extends Envelope>(env: E): Sealed<E> {
    return { ...env, origin: this.origin, seq: ++this.seq };
  }
}

/**
 * The receiving side: the last `seq` delivered per stream and origin. An envelope at or below it was
 * overtaken or is a duplicate, and is dropped. (One counter per origin serves every stream, so a jump
 * in `seq` is normal: the origin published on streams this node does not follow.)
 */
export class OrderGuard {
  private readonly last = new Map<string, Map<string, number>>();

  /** True when `env` is next (or later) in its origin's sequence for its stream. */
  accept(env: Sealed): boolean {
    const stream = streamOf(env);
    let origins = this.last.get(stream);
    if (!origins) {
      origins = new Map();
      this.last.set(stream, origins);
    }
    const prev = origins.get(env.origin);
    if (prev !== undefined && env.seq <= prev) return false;
    origins.set(env.origin, env.seq);
    return true;
  }

  /** Stops following a stream (this node left its topic). */
  forget(stream: string): void {
    this.last.delete(stream);
  }

  /** Stops following an origin everywhere (the node was reaped or left). */
  forgetOrigin(origin: string): void {
    for (const origins of this.last.values()) origins.delete(origin);
  }
}
