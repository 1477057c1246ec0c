/** History in this process's memory: the default, and the whole story on a single node. */
import type { HistoryEntry, HistoryPage, HistoryStore, LeftMark, Limits } from './store.js';

interface ChannelHistory {
  serial: number;
  /** The newest `size` entries, oldest first. */
  entries: HistoryEntry[];
  size: number;
  /** null while the channel is occupied. */
  expiresAt: number | null;
  ttlMs: number;
}

const SWEEP_MS = 10_000;

export class MemoryHistoryStore implements HistoryStore {
  private readonly channels = new Map<string, ChannelHistory>();
  private readonly held = new Set<string>();
  private readonly marks = new Map<string, LeftMark & { expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Channels published to and never subscribed again must not pile up until restart.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private live(key: string): ChannelHistory | undefined {
    const h = this.channels.get(key);
    if (h && h.expiresAt !== null && h.expiresAt <= this.now()) {
      this.channels.delete(key);
      return undefined;
    }
    return h;
  }

  async append(appId: string, channel: string, frame: string, at: number, limits: Limits): Promise<number> {
    const key = `${appId}\n${channel}`;
    let h = this.live(key);
    if (!h) {
      h = { serial: 0, entries: [], size: limits.size, expiresAt: null, ttlMs: limits.ttlSeconds * 1000 };
      this.channels.set(key, h);
    }
    const serial = ++h.serial;
    h.entries.push({ serial, at, frame });
    // Amortised trim: drop a batch at once instead of shifting every append.
    if (h.entries.length > limits.size * 2 || h.entries.length > limits.size + 1024) {
      h.entries = h.entries.slice(-limits.size);
    }
    h.size = limits.size;
    h.ttlMs = limits.ttlSeconds * 1000;
    h.expiresAt = this.held.has(key) ? null : this.now() + h.ttlMs;
    return serial;
  }

  private page(h: ChannelHistory | undefined, pick: (kept: HistoryEntry[]) => HistoryEntry[]): HistoryPage {
    if (!h) return { entries: [], last: 0, first: 1 };
    const kept = h.entries.length > h.size ? h.entries.slice(-h.size) : h.entries;
    return { entries: pick(kept), last: h.serial, first: kept[0]?.serial ?? h.serial + 1 };
  }

  async after(appId: string, channel: string, after: number, limit: number): Promise<HistoryPage> {
    return this.page(this.live(`${appId}\n${channel}`), (kept) => {
      const start = kept.findIndex((e) => e.serial > after);
      return start < 0 ? [] : kept.slice(start, start + limit);
    });
  }

  async latest(appId: string, channel: string, count: number): Promise<HistoryPage> {
    return this.page(this.live(`${appId}\n${channel}`), (kept) => (count > 0 ? kept.slice(-count) : []));
  }

  async hold(appId: string, channel: string): Promise<void> {
    const key = `${appId}\n${channel}`;
    this.held.add(key);
    const h = this.live(key);
    if (h) h.expiresAt = null;
  }

  async release(appId: string, channel: string, ttlSeconds: number): Promise<void> {
    const key = `${appId}\n${channel}`;
    this.held.delete(key);
    const h = this.live(key);
    if (h) h.expiresAt = this.now() + ttlSeconds * 1000;
  }

  async markLeft(
    appId: string,
    channel: string,
    userId: string,
    mark: LeftMark,
    keepSeconds: number,
  ): Promise<void> {
    const key = `${appId}\n${channel}\n${userId}`;
    const old = this.marks.get(key);
    this.marks.set(key, {
      serial: Math.max(mark.serial, old?.serial ?? 0),
      at: Math.max(mark.at, old?.at ?? 0),
      expiresAt: this.now() + keepSeconds * 1000,
    });
  }

  async leftMark(appId: string, channel: string, userId: string): Promise<LeftMark | null> {
    const m = this.marks.get(`${appId}\n${channel}\n${userId}`);
    if (!m || m.expiresAt <= this.now()) return null;
    return { serial: m.serial, at: m.at };
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, h] of this.channels)
      if (h.expiresAt !== null && h.expiresAt <= now) this.channels.delete(key);
    for (const [key, m] of this.marks) if (m.expiresAt <= now) this.marks.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
