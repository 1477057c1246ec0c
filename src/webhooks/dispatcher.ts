/**
 * Taps the server-event stream and turns the seven webhook kinds into per-target batches. Listeners
 * never wait: they do in-memory work (a map lookup, an array push) or start a Redis call whose answer
 * is handled later, so the broadcast path never waits on webhooks.
 *
 * - `channel_vacated` / `member_removed` are held for `delayMs`; a re-occupy / re-join within it
 *   cancels both (WH-05). Held events carry the time they happened.
 * - `cache_miss` is sent once per empty cache channel: again only after the channel was vacated or
 *   an HTTP API publish filled the cache. Per node: subscribers of one empty channel on several nodes
 *   can each report it once.
 */
import type { AppConfig, WebhookEventName, WebhookTarget } from '../config/config.js';
import type { ServerEvents } from '../events/server-events.js';
import { channelKind } from '../protocol/channel-names.js';
import type { Batcher } from './batcher.js';
import type { Held, HeldEvents } from './held-events.js';
import { targetKeys, targetWants, type WebhookSource, webhookEvent } from './payload.js';

export interface AppTargets {
  app: AppConfig;
  targets: { key: string; target: WebhookTarget }[];
}

/** Apps that have webhook targets, by id, with each target's stable key. */
export function indexTargets(apps: readonly AppConfig[]): Map<string, AppTargets> {
  const out = new Map<string, AppTargets>();
  for (const app of apps) {
    if (app.webhooks.length === 0) continue;
    const keys = targetKeys(app.id, app.webhooks);
    out.set(app.id, { app, targets: app.webhooks.map((target, i) => ({ key: keys[i]!, target })) });
  }
  return out;
}

type KindGroup = 'occupancy' | 'members' | 'users' | 'client_event' | 'subscription_count' | 'cache_miss';

/** user_offline waits this long for a reconnect that cancels it (and the user_online it would bring). */
export const USER_OFFLINE_DELAY_MS = 3000;

export class WebhookDispatcher {
  private readonly held: HeldEvents;
  /** user_offline events waiting out USER_OFFLINE_DELAY_MS (shared by the cluster with a Redis queue). */
  private readonly heldUsers: HeldEvents;
  private events: ServerEvents | null = null;
  /** Listener groups attached so far; apps added later attach more, never fewer (cheap, and safe). */
  private readonly attached = new Set<KindGroup>();
  private readonly cacheMissSent = new Set<string>();
  private readonly offs: (() => void)[] = [];
  /** Cancels waiting on a shared store: shutdown lets them finish before sealing the last batches. */
  private readonly cancelling = new Set<Promise<unknown>>();

  constructor(
    private readonly apps: ReadonlyMap<string, AppTargets>,
    private readonly batcher: Batcher,
    private readonly delayMs: number,
    private readonly now: () => number,
    /** Builds a store of held events (delay in ms) around the dispatcher's release callback. */
    heldEvents: (release: (held: Held) => void, delayMs: number) => HeldEvents,
  ) {
    this.held = heldEvents((h) => this.forward(h.event, h.at), delayMs);
    this.heldUsers = heldEvents((h) => this.forward(h.event, h.at), USER_OFFLINE_DELAY_MS);
  }

  /** Starts listening, only to the kinds some target asked for. */
  attach(events: ServerEvents): void {
    this.events = events;
    this.retarget();
  }

  /** Listens to kinds that targets added since `attach` ask for. */
  retarget(): void {
    const events = this.events;
    if (!events) return;
    const wanted = new Set<WebhookEventName>();
    for (const { targets } of this.apps.values())
      for (const t of targets) for (const e of t.target.events) wanted.add(e);
    const has = (n: WebhookEventName) => wanted.has(n);
    const first = (g: KindGroup) => {
      if (this.attached.has(g)) return false;
      this.attached.add(g);
      return true;
    };
    // Occupy/add must be watched whenever vacate/remove are, to cancel them (WH-05).
    if ((has('channel_occupied') || has('channel_vacated')) && first('occupancy')) {
      this.offs.push(
        events.on('channel_occupied', (e) => this.rejoin(vacateKey(e.appId, e.channel), e)),
        events.on('channel_vacated', (e) => this.hold(vacateKey(e.appId, e.channel), e)),
      );
    }
    if ((has('member_added') || has('member_removed')) && first('members')) {
      this.offs.push(
        events.on('member_added', (e) => this.rejoin(memberKey(e.appId, e.channel, e.userId), e)),
        events.on('member_removed', (e) => this.hold(memberKey(e.appId, e.channel, e.userId), e)),
      );
    }
    // Once per user, not per tab: the adapter decides first/last socket cluster-wide, and an offline
    // waits 3 s for a reconnect, which drops both.
    if ((has('user_online') || has('user_offline')) && first('users')) {
      this.offs.push(
        events.on('user_online', (e) => this.rejoin(userKey(e.appId, e.userId), e, this.heldUsers)),
        events.on('user_offline', (e) =>
          this.hold(userKey(e.appId, e.userId), e, this.heldUsers, USER_OFFLINE_DELAY_MS),
        ),
      );
    }
    if (has('client_event') && first('client_event'))
      this.offs.push(events.on('client_event', (e) => this.forward(e, this.now())));
    if (has('subscription_count') && first('subscription_count')) {
      this.offs.push(events.on('subscription_count', (e) => this.forward(e, this.now())));
    }
    if (has('cache_miss') && first('cache_miss')) {
      this.offs.push(
        events.on('cache_miss', (e) => {
          const key = vacateKey(e.appId, e.channel);
          // The set is per node and only the node that saw the vacate clears it: the subscription that
          // occupied the channel (unique in the cluster) always reports, or a node would stay silent.
          if (this.cacheMissSent.has(key) && !e.occupied) return;
          this.cacheMissSent.add(key);
          this.forward(e, this.now());
        }),
        events.on('channel_vacated', (e) => this.cacheMissSent.delete(vacateKey(e.appId, e.channel))),
        events.on('event_published', (e) => {
          if (e.source === 'api' && this.cacheMissSent.size > 0 && channelKind(e.channel).cache) {
            this.cacheMissSent.delete(vacateKey(e.appId, e.channel));
          }
        }),
      );
    }
  }

  /** Stops listening; held events are released (memory) or left to the shared store (shutdown). */
  async detach(): Promise<void> {
    for (const off of this.offs) off();
    this.offs.length = 0;
    this.events = null;
    await Promise.allSettled([...this.cancelling]);
    await Promise.all([this.held.close(), this.heldUsers.close()]);
  }

  private hold(key: string, event: WebhookSource, held = this.held, delayMs = this.delayMs): void {
    if (!this.apps.has(event.appId)) return;
    if (delayMs === 0) this.forward(event, this.now());
    else held.hold(key, { event, at: this.now() });
  }

  /** An occupy / add: dropped together with the vacate / removal it cancels (WH-05), else sent. */
  private rejoin(key: string, event: WebhookSource, held = this.held): void {
    if (!this.apps.has(event.appId)) return;
    const at = this.now();
    if (held === this.held && this.delayMs === 0) {
      this.forward(event, at);
      return;
    }
    const cancelled = held.cancel(key);
    if (cancelled === true) return;
    if (cancelled === false) {
      this.forward(event, at);
      return;
    }
    const p = cancelled.then((c) => {
      if (!c) this.forward(event, at);
    });
    this.cancelling.add(p);
    void p.finally(() => this.cancelling.delete(p));
  }

  private forward(event: WebhookSource, at: number): void {
    const entry = this.apps.get(event.appId);
    if (!entry) return;
    let payload: ReturnType<typeof webhookEvent> | undefined;
    const channel = 'channel' in event ? event.channel : undefined;
    for (const { key, target } of entry.targets) {
      if (!targetWants(target, event.type, channel)) continue;
      payload ??= webhookEvent(event);
      this.batcher.add(event.appId, key, target.url, payload, at);
    }
  }
}

function vacateKey(appId: string, channel: string): string {
  return `${appId}\u0000${channel}`;
}

function userKey(appId: string, userId: string): string {
  return `${appId}\u0000\u0000u\u0000${userId}`;
}

function memberKey(appId: string, channel: string, userId: string): string {
  return `${appId}\u0000${channel}\u0000${userId}`;
}
