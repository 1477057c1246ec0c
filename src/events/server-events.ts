/**
 * The internal stream of server events. Metrics, webhooks, logs and (later) the debug console tap it;
 * nothing on the hot path logs directly. Listeners run synchronously and must not throw or block:
 * heavy work (HTTP, disk) is queued by the listener itself.
 */

import type { TransportName } from '../transport/client-socket.js';

export type ServerEvent =
  | { type: 'connection_opened'; appId: string; socketId: string; ip: string; transport: TransportName }
  | {
      type: 'connection_closed';
      appId: string;
      socketId: string;
      code: number;
      durationMs: number;
      /** The close reason: the server's own when it closed, else what the client sent. */
      reason?: string;
      ip?: string;
      transport: TransportName;
    }
  | { type: 'connection_refused'; appKey: string; code: number; ip?: string }
  // `userId`: the member id of a presence subscription.
  | { type: 'subscribed'; appId: string; socketId: string; channel: string; userId?: string }
  | { type: 'unsubscribed'; appId: string; socketId: string; channel: string }
  | { type: 'channel_occupied'; appId: string; channel: string }
  | { type: 'channel_vacated'; appId: string; channel: string }
  | { type: 'member_added'; appId: string; channel: string; userId: string }
  | { type: 'member_removed'; appId: string; channel: string; userId: string }
  // A signed-in user's first connection opened / last one closed, cluster-wide (decided once).
  | { type: 'user_online'; appId: string; userId: string }
  | { type: 'user_offline'; appId: string; userId: string }
  | { type: 'subscription_count'; appId: string; channel: string; count: number }
  // `occupied`: this subscription made the channel occupied (cluster-wide), so no other node sent a miss.
  | { type: 'cache_miss'; appId: string; channel: string; occupied?: boolean }
  | {
      type: 'client_event';
      appId: string;
      channel: string;
      event: string;
      data: string;
      socketId: string;
      userId?: string;
      ip?: string;
    }
  | {
      type: 'event_published';
      appId: string;
      channel: string;
      event: string;
      bytes: number;
      source: 'api' | 'client' | 'internal';
      recipients: number;
    }
  | { type: 'signed_in'; appId: string; socketId: string; userId: string }
  // An event accepted by the HTTP API (or the console's event creator, which takes the same path).
  | {
      type: 'api_message';
      appId: string;
      channels: readonly string[];
      event: string;
      data: string;
      socketId?: string;
    }
  | { type: 'api_request'; appId: string | null; route: string; status: number; durationMs: number }
  | { type: 'message_in'; appId: string; bytes: number }
  // A pusher:error (or pusher:subscription_error for `channel`) sent to a client.
  | {
      type: 'error';
      appId: string | null;
      socketId?: string;
      ip?: string;
      code: number | null;
      message: string;
      channel?: string;
      /** The client message that failed (`subscribe`, `client-event`…), when it was parsed. */
      request?: string;
    }
  | {
      type: 'webhook';
      appId: string;
      outcome: 'sent' | 'retried' | 'failed' | 'dead_lettered';
      /** Events carried by the batch. */
      events: number;
      /** What the attempt was: set on `sent` and `failed`, which each end one request. */
      attempt?: WebhookAttempt;
    }
  | { type: 'adapter'; op: 'publish' | 'receive'; bytes: number }
  | { type: 'adapter_rtt'; ms: number }
  | { type: 'slow_consumer'; appId: string; socketId: string; bufferedBytes: number; ip?: string };

/** One webhook request and how it went, for the console. */
export interface WebhookAttempt {
  batchId: string;
  /** Target key (see `targetKey`) and URL. */
  target: string;
  url: string;
  /** 1 for the first attempt of the batch. */
  attempt: number;
  /** HTTP status, when an answer came. */
  status?: number;
  latencyMs: number;
  /** The start of the receiver's answer body, or the network error. */
  excerpt: string;
}

export type ServerEventType = ServerEvent['type'];
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;
type Listener = (event: ServerEvent) => void;

export class ServerEvents {
  private readonly listeners: Listener[] = [];
  private readonly byType = new Map<ServerEventType, ((event: ServerEvent) => void)[]>();

  /** True when anyone listens: lets hot paths skip building events nobody reads. */
  get active(): boolean {
    return this.listeners.length > 0 || this.byType.size > 0;
  }

  wants(type: ServerEventType): boolean {
    return this.listeners.length > 0 || this.byType.has(type);
  }

  /** Subscribes to every event; returns an unsubscribe function. */
  tap(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  on<T extends ServerEventType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    const list = this.byType.get(type) ?? [];
    const l = listener as (event: ServerEvent) => void;
    list.push(l);
    this.byType.set(type, list);
    return () => {
      const i = list.indexOf(l);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byType.delete(type);
    };
  }

  emit(event: ServerEvent): void {
    for (const l of this.listeners) l(event);
    const list = this.byType.get(event.type);
    if (list) for (const l of list) l(event);
  }
}
