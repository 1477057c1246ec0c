/**
 * The Overview's numbers: one sample per second per node while someone watches. Counters move in
 * the console's tap of the event stream; gauges are read from the hub at sampling time, as metrics do.
 */
import type { ServerEvent } from '../events/server-events.js';
import type { MetricsSource } from '../metrics/metrics.js';
import type { AppSample, NodeSample } from './web/wire.js';

export type { AppSample, NodeSample } from './web/wire.js';

/** Samples kept per node: five minutes at one a second. */
export const HISTORY = 300;

interface Counters {
  msgIn: number;
  msgOut: number;
  webhookOk: number;
  webhookFail: number;
}

export class StatsSampler {
  private counters = new Map<string, Counters>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly node: string,
    private readonly source: MetricsSource,
    private readonly appIds: () => readonly string[],
    private readonly now: () => number,
    private readonly emit: (sample: NodeSample) => void,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer) return;
    this.counters.clear();
    this.timer = setInterval(() => this.emit(this.sample()), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.counters.clear();
  }

  /** Counts one event; called from the console's tap only while sampling. */
  count(e: ServerEvent): void {
    switch (e.type) {
      case 'api_message':
        this.of(e.appId).msgIn += e.channels.length;
        return;
      case 'client_event':
        this.of(e.appId).msgIn++;
        return;
      case 'event_published':
        if (e.recipients > 0) this.of(e.appId).msgOut += e.recipients;
        return;
      case 'webhook':
        if (e.outcome === 'sent') this.of(e.appId).webhookOk++;
        else if (e.outcome === 'failed') this.of(e.appId).webhookFail++;
        return;
      default:
        return;
    }
  }

  private of(appId: string): Counters {
    let c = this.counters.get(appId);
    if (!c) {
      c = { msgIn: 0, msgOut: 0, webhookOk: 0, webhookFail: 0 };
      this.counters.set(appId, c);
    }
    return c;
  }

  /** This second's figures; the counters start over. */
  private sample(): NodeSample {
    const connections = new Map<string, number>();
    for (const [appId, byTransport] of this.source.connectionsByTransport()) {
      let n = 0;
      for (const c of byTransport.values()) n += c;
      connections.set(appId, n);
    }
    const channels = this.source.channelsByApp();
    const apps: Record<string, AppSample> = Object.create(null);
    for (const id of this.appIds()) {
      const c = this.counters.get(id);
      apps[id] = {
        connections: connections.get(id) ?? 0,
        channels: channels.get(id)?.size ?? 0,
        msgIn: c?.msgIn ?? 0,
        msgOut: c?.msgOut ?? 0,
        webhookOk: c?.webhookOk ?? 0,
        webhookFail: c?.webhookFail ?? 0,
      };
    }
    this.counters.clear();
    return { node: this.node, t: this.now(), apps };
  }
}

/** The last `HISTORY` samples of every node, for a watcher that just arrived. */
export class StatsHistory {
  private readonly byNode = new Map<string, NodeSample[]>();

  add(s: NodeSample): void {
    let list = this.byNode.get(s.node);
    if (!list) {
      list = [];
      this.byNode.set(s.node, list);
    }
    list.push(s);
    if (list.length > HISTORY) list.shift();
  }

  all(): NodeSample[] {
    return [...this.byNode.values()].flat().sort((a, b) => a.t - b.t);
  }

  /** Forgets nodes silent for longer than the window (stopped, or no longer reporting). */
  prune(now: number): void {
    for (const [node, list] of this.byNode) {
      const last = list[list.length - 1];
      if (!last || now - last.t > HISTORY * 1000) this.byNode.delete(node);
    }
  }

  clear(): void {
    this.byNode.clear();
  }
}
