/**
 * Subscription counting (CH-20): `pusher_internal:subscription_count` to every subscriber of a
 * non-presence, non-encrypted channel when its count changes; at most once per 5 s above 100
 * subscribers, with one trailing update so the last count always arrives.
 */
import type { Adapter } from '../adapters/adapter.js';
import type { AppConfig } from '../config/config.js';
import type { ServerEvents } from '../events/server-events.js';
import { channelKind } from '../protocol/channel-names.js';
import { encodeSubscriptionCount } from '../protocol/messages.js';

export const THROTTLE_ABOVE = 100;
export const THROTTLE_MS = 5000;

interface Throttle {
  lastSent: number;
  timer: NodeJS.Timeout | null;
  latest: number;
}

export class SubscriptionCounter {
  private readonly throttles = new Map<string, Throttle>();

  constructor(
    private readonly adapter: Adapter,
    private readonly events: ServerEvents,
    private readonly now: () => number,
  ) {}

  /** True when the channel takes part in counting at all. */
  static applies(app: AppConfig, channel: string): boolean {
    if (!app.subscriptionCount) return false;
    const type = channelKind(channel).type;
    return type === 'public' || type === 'private';
  }

  changed(app: AppConfig, channel: string, count: number): void {
    if (!SubscriptionCounter.applies(app, channel)) return;
    const key = `${app.id}\u0000${channel}`;
    if (count <= THROTTLE_ABOVE) {
      const t = this.throttles.get(key);
      if (t?.timer) clearTimeout(t.timer);
      this.throttles.delete(key);
      this.send(app.id, channel, count);
      return;
    }
    const t = this.throttles.get(key) ?? { lastSent: 0, timer: null, latest: count };
    t.latest = count;
    this.throttles.set(key, t);
    const wait = t.lastSent + THROTTLE_MS - this.now();
    if (wait <= 0) {
      t.lastSent = this.now();
      this.send(app.id, channel, count);
    } else if (!t.timer) {
      t.timer = setTimeout(() => {
        t.timer = null;
        t.lastSent = this.now();
        this.send(app.id, channel, t.latest);
      }, wait);
      t.timer.unref();
    }
  }

  private send(appId: string, channel: string, count: number): void {
    if (count > 0) {
      this.adapter.broadcast({
        kind: 'channel',
        appId,
        channel,
        frame: encodeSubscriptionCount(channel, count),
      });
    }
    this.events.emit({ type: 'subscription_count', appId, channel, count });
  }

  close(): void {
    for (const t of this.throttles.values()) if (t.timer) clearTimeout(t.timer);
    this.throttles.clear();
  }
}
