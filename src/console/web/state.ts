/** What every page reads: the node's info, and the live feed with its log buffer and samples. */
import { api } from './dom.js';
import type { LogEntry, NodeSample } from './wire.js';

export interface Info {
  node: string;
  cluster: boolean;
  apps: { id: string; key: string; enabled: boolean; webhooks: number }[];
  kinds: string[];
  webhooksDurable: boolean;
}

export type { AppSample, LogEntry, NodeSample } from './wire.js';

export interface LogFilter {
  app: string;
  channel: string;
  kinds: string[];
  socket: string;
  user: string;
}

/** Entries the page keeps: the log shows the newest of them. */
export const LOG_LIMIT = 2000;
/** Samples kept per node, as the server does: five minutes. */
const HISTORY = 300;

type Listener = () => void;

export class Live {
  info: Info | null = null;
  log: LogEntry[] = [];
  /** Entries the server or the page had to drop (a burst beyond what a page is sent). */
  dropped = 0;
  /** Entries received since the page opened (the log buffer rolls over; this does not). */
  received = 0;
  samples = new Map<string, NodeSample[]>();
  filter: LogFilter = { app: '', channel: '', kinds: [], socket: '', user: '' };
  connected = false;
  private source: EventSource | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();

  on(what: 'log' | 'stats' | 'status', fn: Listener): () => void {
    let set = this.listeners.get(what);
    if (!set) {
      set = new Set();
      this.listeners.set(what, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  private fire(what: string): void {
    for (const fn of this.listeners.get(what) ?? []) fn();
  }

  async load(): Promise<Info> {
    this.info = await api<Info>('/api/info');
    return this.info;
  }

  /** (Re)opens the feed with the current filter. */
  connect(): void {
    this.source?.close();
    const q = new URLSearchParams();
    const f = this.filter;
    if (f.app) q.set('app', f.app);
    if (f.channel) q.set('channel', f.channel);
    if (f.kinds.length > 0) q.set('kinds', f.kinds.join(','));
    if (f.socket) q.set('socket', f.socket);
    if (f.user) q.set('user', f.user);
    const src = new EventSource(`/api/feed?${q}`);
    this.source = src;
    src.addEventListener('open', () => this.status(true));
    src.addEventListener('error', () => {
      this.status(false);
      // Closed for good (the server answered but not with a feed: a new token after a restart):
      // find out whether we are logged out, else try again.
      if (src.readyState === EventSource.CLOSED) {
        setTimeout(() => {
          if (this.source !== src) return;
          this.load().then(
            () => this.connect(),
            () => setTimeout(() => this.source === src && this.connect(), 2000),
          );
        }, 1000);
      }
    });
    src.addEventListener('hello', (ev) => {
      const hello = JSON.parse((ev as MessageEvent).data) as { node: string };
      // Another process answers (a restart): its node id is new, so old series end here.
      if (this.info && hello.node !== this.info.node) void this.load().then(() => this.fire('status'));
      this.samples.clear();
    });
    src.addEventListener('history', (ev) => {
      for (const s of JSON.parse((ev as MessageEvent).data) as NodeSample[]) this.addSample(s);
      this.fire('stats');
    });
    src.addEventListener('stats', (ev) => {
      this.addSample(JSON.parse((ev as MessageEvent).data) as NodeSample);
      this.fire('stats');
    });
    src.addEventListener('log', (ev) => {
      const batch = JSON.parse((ev as MessageEvent).data) as { entries: LogEntry[]; dropped: number };
      this.dropped += batch.dropped;
      this.received += batch.entries.length;
      for (const e of batch.entries) this.log.push(e);
      if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
      this.fire('log');
    });
  }

  setFilter(f: LogFilter): void {
    this.filter = f;
    this.log = [];
    this.dropped = 0;
    this.connect();
    this.fire('log');
  }

  private addSample(s: NodeSample): void {
    let list = this.samples.get(s.node);
    if (!list) {
      list = [];
      this.samples.set(s.node, list);
    }
    if (list.length > 0 && list[list.length - 1]!.t >= s.t) return;
    list.push(s);
    if (list.length > HISTORY) list.shift();
  }

  private status(up: boolean): void {
    this.connected = up;
    this.fire('status');
  }
}

export const live = new Live();
