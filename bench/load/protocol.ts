/** Messages between the controller (bench/cli) and a load process (bench/load/worker). */
import type { TargetApp } from '../lib/pusher-wire.js';

/** One client connection to open: the channels it joins, and its part in a chat or presence scenario. */
export interface ConnSpec {
  channels: string[];
  /** Presence user id used for every presence channel of this connection. */
  userId?: string;
  /** Client-events scenario: this connection is member `index` of `size` in `chat` channel. */
  chat?: { channel: string; index: number; size: number };
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
