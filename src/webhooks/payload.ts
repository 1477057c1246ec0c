/**
 * Webhook event payloads (WH-06, WH-07), target matching and the signed body (WH-02). Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { WebhookEventName, WebhookTarget } from '../config/config.js';
import type { EventOf } from '../events/server-events.js';

/** The server events that webhooks report: one per webhook kind, of the same name. */
export type WebhookSource = EventOf<WebhookEventName>;

export type WebhookEvent =
  | { name: 'channel_occupied' | 'channel_vacated' | 'cache_miss'; channel: string }
  | { name: 'member_added' | 'member_removed'; channel: string; user_id: string }
  | { name: 'subscription_count'; channel: string; subscription_count: number }
  | { name: 'user_online' | 'user_offline'; user_id: string }
  | {
      name: 'client_event';
      channel: string;
      event: string;
      data: string;
      socket_id: string;
      user_id?: string;
    };

/** The webhook payload of a server event, with Pusher's field names and order. */
export function webhookEvent(e: WebhookSource): WebhookEvent {
  switch (e.type) {
    case 'channel_occupied':
    case 'channel_vacated':
    case 'cache_miss':
      return { name: e.type, channel: e.channel };
    case 'member_added':
    case 'member_removed':
      return { name: e.type, channel: e.channel, user_id: e.userId };
    case 'subscription_count':
      return { name: e.type, channel: e.channel, subscription_count: e.count };
    case 'user_online':
    case 'user_offline':
      return { name: e.type, user_id: e.userId };
    case 'client_event':
      return {
        name: 'client_event',
        channel: e.channel,
        event: e.event,
        data: e.data,
        socket_id: e.socketId,
        ...(e.userId === undefined ? {} : { user_id: e.userId }),
      };
  }
}

/** True when the target asked for this kind of event on this channel (user events have none). */
export function targetWants(
  target: WebhookTarget,
  name: WebhookEventName,
  channel: string | undefined,
): boolean {
  if (!target.events.includes(name)) return false;
  if (channel === undefined) return true;
  const f = target.filter;
  if (f?.channelPrefix && !channel.startsWith(f.channelPrefix)) return false;
  if (f?.channelSuffix && !channel.endsWith(f.channelSuffix)) return false;
  return true;
}

/** `{"time_ms":…,"events":[…]}`: serialized once; these exact bytes are signed and sent. */
export function webhookBody(timeMs: number, events: readonly WebhookEvent[]): string {
  return JSON.stringify({ time_ms: timeMs, events });
}

/**
 * Keys of an app's targets, stable across restarts while the URL stays: queued batches find their
 * target again after a config reload, and never a different URL after a reorder.
 */
export function targetKeys(appId: string, targets: readonly WebhookTarget[]): string[] {
  const seen = new Map<string, number>();
  return targets.map((t) => {
    const base = createHash('sha256').update(`${appId}\n${t.url}`).digest('hex').slice(0, 16);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? `${appId}:${base}` : `${appId}:${base}~${n}`;
  });
}
