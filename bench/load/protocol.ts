/** Messages between the controller (bench/cli) and a load process (bench/load/worker). */
import type { TargetApp } from '../lib/pusher-wire.js';

/** One client connection to open: the channels it joins, and its part in a chat or presence scenario. */
export interface ConnSpec {
  channels: string[];
  /** Presence user id used for every presence channel of this connection. */
  userId?: string;
  /** Client-events scenario: this connection is member `index` of `size` in `chat` channel. */
  chat?: { channel: string; index: number; size: number };
  /** pusher-js's HTTP streaming fallback instead of a WebSocket (public channels only). */
  transport?: 'ws' | 'xhr_streaming';
}

export interface Target {
  ws: string;
  app: TargetApp;
}

export type Command =
  | { id: number; cmd: 'connect'; target: Target; specs: ConnSpec[]; concurrency: number }
  | { id: number; cmd: 'window'; from: number; to: number }
  | {
      id: number;
      cmd: 'publish';
      target: Target;
      channels: string[];
      /** Deliveries one event to channels[i] causes (flow control). */
      deliveries: number[];
      /** Events per second, or null for as fast as the window allows. */
      rate: number | null;
      /** Max deliveries published but not yet received (null: HTTP responses only). */
      window: number | null;
      concurrency: number;
      /** Publishing starts here; request figures count from measureFrom. Microseconds. */
      startAt: number;
      measureFrom: number;
      endAt: number;
      padTo: number;
    }
  | {
      id: number;
      cmd: 'chat';
      rate: number | null;
      tokens: number;
      startAt: number;
      endAt: number;
      padTo: number;
    }
  | {
      id: number;
      cmd: 'churn';
      target: Target;
      count: number;
      channel: string;
      startAt: number;
      endAt: number;
    }
  | {
      id: number;
      cmd: 'storm';
      /** Presence channel every connected member of this process subscribes to at once. */
      channel: string;
      /** Members in the whole storm (all processes): each joiner must end up knowing all of them. */
      members: number;
      /** Give up waiting for member events after this many ms. */
      timeoutMs: number;
    }
  | { id: number; cmd: 'collect' }
  | { id: number; cmd: 'disconnect' };

export type Push = { type: 'credit'; received: number } | { type: 'exit' };

export interface ConnectReply {
  connected: number;
  failed: number;
  firstError: string | null;
}

export interface PublishReply {
  published: number;
  deliveriesPublished: number;
  httpErrors: number;
  firstHttpError: string | null;
  /** HTTP request latency (µs histogram, encoded). */
  requests: string;
  requestsInWindow: number;
}

export interface ChurnReply {
  joins: number;
  joinsInWindow: number;
  joinLatency: string;
}

export interface StormReply {
  joiners: number;
  /** Joiners that got subscription_succeeded. */
  joined: number;
  /** Sum over joiners of the snapshot's count. */
  snapshotMembers: number;
  /** member_added frames received. */
  memberAdded: number;
  /** Joiners that, from snapshot and member_added, know fewer than `members` users. */
  incomplete: number;
  /** Microseconds after the first subscribe: last snapshot, last member event. */
  lastSnapshotUs: number;
  lastEventUs: number;
  errors: number;
  firstError: string | null;
  closes: Record<string, number>;
}

export interface CollectReply {
  received: number;
  receivedInWindow: number;
  latency: string;
  memberEvents: number;
  memberEventsInWindow: number;
  errors: number;
  firstError: string | null;
  closes: Record<string, number>;
}

export type WorkerMessage =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'progress'; received: number };
