/**
 * The live feed, as Server-Sent Events: one long GET per open console page, carrying log entries
 * (batched four times a second, filtered for that page) and the Overview's samples. EventSource
 * reconnects by itself, so a restarted Herald is found again without the page doing anything.
 *
 * Memory is bounded per page: at most `MAX_BATCH` entries wait between two flushes and at most
 * `MAX_BUFFERED` bytes sit unsent in a socket; beyond either, entries are counted as dropped and the
 * page is told how many, so a busy server never queues work for a slow browser.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LogEntry, type LogFilter, matches } from './log-entry.js';
import type { NodeSample } from './stats.js';

const FLUSH_MS = 250;
const MAX_BATCH = 500;
const MAX_BUFFERED = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

interface Watcher {
  res: ServerResponse;
  filter: LogFilter;
  batch: LogEntry[];
  dropped: number;
}

export interface FeedHooks {
  /** A first page opened / the last one closed. */
  watching(count: number): void;
  userOf(socket: string): string | undefined;
}

export class ConsoleFeed {
  private readonly watchers = new Set<Watcher>();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly hooks: FeedHooks) {}

  get count(): number {
    return this.watchers.size;
  }

  /** Starts a feed on this response; `hello` and `history` are its first events. */
  open(
    req: IncomingMessage,
    res: ServerResponse,
    filter: LogFilter,
    hello: unknown,
    history: NodeSample[],
  ): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 2000\n\n`);
    write(res, 'hello', hello);
    write(res, 'history', history);
    const w: Watcher = { res, filter, batch: [], dropped: 0 };
    this.watchers.add(w);
    req.socket.setNoDelay(true);
    const close = () => {
      if (!this.watchers.delete(w)) return;
      if (this.watchers.size === 0) this.idle();
      this.hooks.watching(this.watchers.size);
    };
    res.on('close', close);
    if (this.watchers.size === 1) {
      this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
      this.flushTimer.unref();
      this.heartbeat = setInterval(() => {
        for (const x of this.watchers) x.res.write(': ping\n\n');
      }, HEARTBEAT_MS);
      this.heartbeat.unref();
    }
    this.hooks.watching(this.watchers.size);
  }

  /** Offers one entry to every page whose filter it passes. */
  offer(entry: LogEntry): void {
    for (const w of this.watchers) {
      if (!matches(w.filter, entry, this.hooks.userOf)) continue;
      if (w.batch.length < MAX_BATCH) w.batch.push(entry);
      else w.dropped++;
    }
  }

  /** A sample for the Overview, sent to every page at once. */
  sample(s: NodeSample): void {
    for (const w of this.watchers) {
      if (w.res.writableLength <= MAX_BUFFERED) write(w.res, 'stats', s);
    }
  }

  /** Ends every feed (shutdown); pages reconnect to whatever answers next. */
  closeAll(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    this.idle();
  }

  private flush(): void {
    for (const w of this.watchers) {
      if (w.batch.length === 0 && w.dropped === 0) continue;
      if (w.res.writableLength > MAX_BUFFERED) {
        w.dropped += w.batch.length;
        w.batch = [];
        continue;
      }
      write(w.res, 'log', { entries: w.batch, dropped: w.dropped });
      w.batch = [];
      w.dropped = 0;
    }
  }

  private idle(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.flushTimer = null;
    this.heartbeat = null;
  }
}

function write(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
