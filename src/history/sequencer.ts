/**
 * Per-channel order of numbered events on this node. It sits between the adapter and the hub (see
 * `beforeHub`): events of a history channel reach local sockets in serial order,
 * each once, even when two nodes publish on one channel and their messages cross. It also copies
 * every event it passes on to the subscriptions still waiting for their past events (`Pending`), which
 * is what makes the rewind/resume boundary exact: whatever was not in the read arrives here.
 */
import type { NodeDelivery, Sealed } from '../adapters/adapter.js';
import type { ChannelEnvelope as Channel } from '../adapters/envelope.js';
import type { Connection } from '../connections/connection.js';
import type { Hub } from '../connections/hub.js';
import type { HistoryEntry } from './store.js';

/** A channel event as it arrived, sealed by its origin node. */
export type ChannelEnvelope = Sealed<Channel>;

/** A subscription reading its past events: every event passed on meanwhile is copied to `buffer`. */
export interface Pending {
  readonly conn: Connection;
  readonly buffer: ChannelEnvelope[];
}

interface ChannelOrder {
  /** The next serial to pass on; null until a read told where the channel stands. */
  expected: number | null;
  /** Events that arrived ahead of a missing one, by serial. */
  held: Map<number, ChannelEnvelope>;
  pending: Set<Pending>;
  gapTimer: NodeJS.Timeout | null;
}

/** How long an event waits for a missing earlier one before the store is asked for it. */
const GAP_WAIT_MS = 1000;
const SWEEP_MS = 30_000;

export type Backfill = (
  appId: string,
  channel: string,
  after: number,
  limit: number,
) => Promise<HistoryEntry[]>;

export class HistorySequencer {
  private readonly channels = new Map<string, ChannelOrder>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly hub: Hub,
    private readonly backfill: Backfill,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /**
   * The hub as the adapter should see it: envelopes go through this sequencer first, every other
   * callback reaches the hub unchanged (whatever callbacks the adapter's delivery interface has).
   */
  beforeHub(): NodeDelivery {
    const deliver = (env: Sealed) => this.deliver(env);
    const hub = this.hub;
    return new Proxy(hub, {
      get(target, prop) {
        if (prop === 'deliver') return deliver;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  deliver(env: Sealed): void {
    if (env.kind !== 'channel') {
      this.hub.deliver(env);
      return;
    }
    const state = this.channels.get(`${env.appId}\n${env.channel}`);
    if (!state || env.serial === undefined) {
      // Not a history channel here, or an event published while the store was unreachable.
      this.pass(state, env);
      return;
    }
    this.accept(state, env);
  }

  private accept(state: ChannelOrder, env: ChannelEnvelope): void {
    const serial = env.serial!;
    if (state.expected === null || serial > state.expected) {
      state.held.set(serial, env);
      if (state.expected !== null) this.armGap(env.appId, env.channel, state);
      return;
    }
    if (serial < state.expected) return; // already passed on
    this.pass(state, env);
    state.expected = serial + 1;
    this.drain(state);
  }

  private pass(state: ChannelOrder | undefined, env: ChannelEnvelope): void {
    this.hub.deliver(env);
    if (state) for (const p of state.pending) p.buffer.push(env);
  }

  private drain(state: ChannelOrder): void {
    if (state.expected === null) return;
    for (;;) {
      const next = state.held.get(state.expected);
      if (!next) break;
      state.held.delete(state.expected);
      this.pass(state, next);
      state.expected++;
    }
    for (const serial of state.held.keys()) if (serial < state.expected) state.held.delete(serial);
    if (state.held.size === 0 && state.gapTimer) {
      clearTimeout(state.gapTimer);
      state.gapTimer = null;
    }
  }

  /** A missing event did not come (its node failed between storing and publishing): read it back. */
  private armGap(appId: string, channel: string, state: ChannelOrder): void {
    if (state.gapTimer) return;
    state.gapTimer = setTimeout(() => {
      state.gapTimer = null;
      if (state.expected === null || state.held.size === 0) return;
      const from = state.expected - 1;
      const upTo = Math.min(...state.held.keys());
      this.backfill(appId, channel, from, upTo - 1 - from).then(
        (entries) => this.fill(appId, channel, state, entries, upTo),
        () => this.fill(appId, channel, state, [], upTo),
      );
    }, GAP_WAIT_MS);
    state.gapTimer.unref();
  }

  private fill(
    appId: string,
    channel: string,
    state: ChannelOrder,
    entries: HistoryEntry[],
    upTo: number,
  ): void {
    if (state.expected === null) return;
    for (const e of entries) {
      if (e.serial < state.expected || e.serial >= upTo) continue;
      // Read back from the store rather than received: sealed as such, numbered by its serial.
      this.pass(state, {
        kind: 'channel',
        appId,
        channel,
        frame: e.frame,
        serial: e.serial,
        source: 'api',
        origin: 'history',
        seq: e.serial,
      });
    }
    // Whatever the store no longer has is skipped rather than waited for forever.
    if (state.expected < upTo) state.expected = upTo;
    this.drain(state);
  }

  /** A subscription starts reading its past events; from now on it gets a copy of everything passed on. */
  begin(conn: Connection, channel: string): Pending {
    const key = `${conn.app.id}\n${channel}`;
    let state = this.channels.get(key);
    if (state && state.pending.size === 0 && this.hub.localSubscribers(conn.app.id, channel) === 0) {
      // Nobody here received this channel for a while: where it stood then says nothing now.
      this.drop(key, state);
      state = undefined;
    }
    if (!state) {
      state = { expected: null, held: new Map(), pending: new Set(), gapTimer: null };
      this.channels.set(key, state);
    }
    const pending: Pending = { conn, buffer: [] };
    state.pending.add(pending);
    return pending;
  }

  /** A read found the channel's newest serial at `last`: events after it are the live ones. */
  settle(appId: string, channel: string, last: number): void {
    const state = this.channels.get(`${appId}\n${channel}`);
    if (!state || state.expected !== null) return;
    state.expected = last + 1;
    this.drain(state);
    if (state.held.size > 0) this.armGap(appId, channel, state);
  }

  /** The subscription is live (or gave up): stop copying to it. */
  end(channel: string, pending: Pending): void {
    const key = `${pending.conn.app.id}\n${channel}`;
    const state = this.channels.get(key);
    if (!state) return;
    state.pending.delete(pending);
    if (state.expected === null && state.pending.size === 0) {
      // Every read failed: pass on what waited, in order, and follow the channel from there.
      const serials = [...state.held.keys()].sort((a, b) => a - b);
      if (serials.length > 0) {
        state.expected = serials[0]!;
        this.drain(state);
      }
    }
  }

  /** The newest serial passed on to this node's sockets, or null when it does not follow the channel. */
  lastPassed(appId: string, channel: string): number | null {
    const expected = this.channels.get(`${appId}\n${channel}`)?.expected;
    return expected === null || expected === undefined ? null : expected - 1;
  }

  private drop(key: string, state: ChannelOrder): void {
    if (state.gapTimer) clearTimeout(state.gapTimer);
    this.channels.delete(key);
  }

  private sweep(): void {
    for (const [key, state] of this.channels) {
      const i = key.indexOf('\n');
      if (state.pending.size === 0 && this.hub.localSubscribers(key.slice(0, i), key.slice(i + 1)) === 0) {
        this.drop(key, state);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const [key, state] of this.channels) this.drop(key, state);
  }
}
