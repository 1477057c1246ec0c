/**
 * Channel history for one node: numbering events as they are published, rewind and resume on
 * subscribe, and the marks resume reads. The one place the rest of Herald talks to
 * (docs/history-and-recovery.md):
 *
 * - `publish` is the publish path's single hook: a history channel's event is stored, numbered, then
 *   broadcast with its serial;
 * - `begin` is called by subscribe before it awaits anything, and returns the subscription's recovery
 *   (read the past, then hand over to live events with nothing lost or repeated in between);
 * - `signedIn` and `closed` follow the connection's user, for resume.
 */
import type { Adapter, ChannelEnvelope } from '../adapters/adapter.js';
import type { AppConfig, HistoryRule } from '../config/config.js';
import type { Connection } from '../connections/connection.js';
import type { Hub } from '../connections/hub.js';
import type { ServerEvents } from '../events/server-events.js';
import type { Logger } from '../logging/logger.js';
import { Recovery, SharedReads } from './recovery.js';
import { HistoryRules } from './rules.js';
import { HistorySequencer } from './sequencer.js';
import type { HistoryStore } from './store.js';

export interface HistoryDeps {
  adapter: Adapter;
  hub: Hub;
  events: ServerEvents;
  logger: Logger;
  now: () => number;
  appById(appId: string): Promise<AppConfig | undefined>;
}

export class History {
  readonly rules = new HistoryRules();
  readonly sequencer: HistorySequencer;
  readonly reads = new SharedReads(this);
  /** Subscriptions holding their events until the connection signs in (resume), per connection. */
  private readonly waiting = new Map<Connection, Map<string, Recovery>>();
  private readonly stopListening: (() => void)[] = [];
  private storeDown = false;
  /** Rewind bytes sent this event-loop turn, and the recoveries waiting for a later turn (see `pace`). */
  private turnBytes = 0;
  private readonly paced: { bytes: number; run: () => void }[] = [];
  private turnTimer: NodeJS.Immediate | null = null;

  constructor(
    readonly store: HistoryStore,
    private readonly deps: HistoryDeps,
  ) {
    this.sequencer = new HistorySequencer(deps.hub, (appId, channel, after, limit) =>
      store.after(appId, channel, after, limit).then((p) => p.entries),
    );
    // Occupancy events fire once per cluster: the node that saw the transition keeps or releases history.
    this.stopListening.push(
      deps.events.on('channel_occupied', (e) => this.occupancy(e.appId, e.channel, true)),
      deps.events.on('channel_vacated', (e) => this.occupancy(e.appId, e.channel, false)),
    );
  }

  private occupancy(appId: string, channel: string, occupied: boolean): void {
    void this.deps
      .appById(appId)
      .then((app) => {
        const rule = app ? this.rules.match(app, channel) : null;
        if (!rule) return;
        return occupied
          ? this.store.hold(appId, channel)
          : this.store.release(appId, channel, rule.ttlSeconds);
      })
      .catch((err: unknown) => this.storeFailed(err, 'occupancy'));
  }

  storeFailed(err: unknown, op: string): void {
    if (this.storeDown) return;
    this.storeDown = true;
    this.deps.logger.error(
      { err, op },
      'history store unreachable: events go out without history until it answers',
    );
  }

  storeOk(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.deps.logger.warn('history store reachable again');
  }

  /**
   * Broadcasts a channel event, storing and numbering it first when the channel keeps history.
   * Synchronous (undefined) for channels without history, unless `confirm` asks for the shared
   * transport's acknowledgement (Adapter.publish: an API trigger answers 200 only once other nodes
   * can get the event).
   */
  publish(app: AppConfig, env: ChannelEnvelope, confirm = false): Promise<void> | undefined {
    const send = (e: ChannelEnvelope): Promise<void> | undefined => {
      if (confirm) return this.deps.adapter.publish(e);
      this.deps.adapter.broadcast(e);
      return undefined;
    };
    const rule = this.rules.match(app, env.channel);
    if (!rule) return send(env);
    return this.store.append(app.id, env.channel, env.frame, this.deps.now(), rule).then(
      (serial) => {
        this.storeOk();
        return send({ ...env, serial });
      },
      (err: unknown) => {
        // Live delivery matters more than the record of it.
        this.storeFailed(err, 'append');
        return send(env);
      },
    );
  }

  /** The recovery of a new subscription, or null when the channel keeps no history. */
  begin(conn: Connection, channel: string): Recovery | null {
    const rule = this.rules.match(conn.app, channel);
    if (!rule) return null;
    this.waiting.get(conn)?.get(channel)?.abort();
    return new Recovery(this, this.deps, conn, channel, rule);
  }

  /**
   * Runs a recovery's flush now, or in a later event-loop turn once this turn already sent
   * REWIND_BYTES_PER_TURN of past events: a thousand subscribers rewinding at once then cost a bounded
   * amount of write buffers at a time, not all of it at once. (A delayed flush loses nothing: its
   * subscription keeps collecting live events until then.)
   */
  pace(bytes: number, run: () => void): void {
    if (
      bytes === 0 ||
      (this.paced.length === 0 && (this.turnBytes === 0 || this.turnBytes + bytes <= REWIND_BYTES_PER_TURN))
    ) {
      this.turnBytes += bytes;
      run();
    } else {
      this.paced.push({ bytes, run });
    }
    this.turnTimer ??= setImmediate(() => this.nextTurn());
  }

  private nextTurn(): void {
    this.turnTimer = null;
    this.turnBytes = 0;
    while (this.paced.length > 0) {
      const next = this.paced[0]!;
      if (this.turnBytes > 0 && this.turnBytes + next.bytes > REWIND_BYTES_PER_TURN) break;
      this.paced.shift();
      this.turnBytes += next.bytes;
      next.run();
    }
    if (this.paced.length > 0 || this.turnBytes > 0) this.turnTimer = setImmediate(() => this.nextTurn());
  }

  /** Called by a recovery that waits for the connection's sign-in. */
  wait(recovery: Recovery): void {
    let map = this.waiting.get(recovery.conn);
    if (!map) {
      map = new Map();
      this.waiting.set(recovery.conn, map);
    }
    map.set(recovery.channel, recovery);
  }

  /** Called by a recovery once it stops waiting (went live or gave up). */
  unwait(recovery: Recovery): void {
    const map = this.waiting.get(recovery.conn);
    if (map?.get(recovery.channel) !== recovery) return;
    map.delete(recovery.channel);
    if (map.size === 0) this.waiting.delete(recovery.conn);
  }

  /** pusher:signin succeeded: subscriptions that waited for it resume now. */
  signedIn(conn: Connection): void {
    const map = this.waiting.get(conn);
    if (!map) return;
    for (const recovery of [...map.values()]) recovery.signedIn();
  }

  /** The connection closed: remember, per resume channel, the last event its user received. */
  closed(conn: Connection): void {
    const map = this.waiting.get(conn);
    if (map) for (const recovery of [...map.values()]) recovery.abort();
    const user = conn.user;
    if (!user) return;
    const appId = conn.app.id;
    const at = this.deps.now();
    for (const channel of this.deps.hub.registry.subscriptionsOf(conn).keys()) {
      const rule = this.rules.match(conn.app, channel);
      if (!rule || rule.resumeSeconds === 0) continue;
      const serial = this.sequencer.lastPassed(appId, channel);
      if (serial === null) continue;
      this.store
        .markLeft(appId, channel, user.id, { serial, at }, markLifetime(rule))
        .catch((err: unknown) => this.storeFailed(err, 'mark'));
    }
  }

  async close(): Promise<void> {
    if (this.turnTimer) clearImmediate(this.turnTimer);
    for (const stop of this.stopListening) stop();
    this.sequencer.close();
    await this.store.close();
  }
}

/** Past events sent per event-loop turn before further rewinds wait for the next turn. */
const REWIND_BYTES_PER_TURN = 4 * 1024 * 1024;

/** A mark outlives the resume window by the history's own lifetime, so a late return is told it failed. */
export function markLifetime(rule: HistoryRule): number {
  return rule.resumeSeconds + rule.ttlSeconds;
}
