/** What every locally started server answers over IPC, so the controller can measure it from outside. */

import { monitorEventLoopDelay } from 'node:perf_hooks';

export type ServerRequest =
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'loop' }
  | { type: 'counters' }
  | { type: 'stop' };

/** Event-loop delay since the previous `loop` request, and the process's peak RSS so far. */
export interface LoopFacts {
  p99Ms: number;
  maxMs: number;
  /**
   * The most CPU time the process used between two ticks of a 5 ms timer: the longest turn in CPU
   * time, which a busy machine cannot inflate (the delays above include waiting for a core).
   */
  busyMaxMs: number;
  peakRss: number;
}

export interface MemoryFacts {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type ServerReply =
  | { type: 'listening'; port: number; consolePort?: number }
  | { type: 'memory'; value: MemoryFacts }
  /** CPU time (user + system) the process has used so far, in microseconds. */
  | { type: 'cpu'; value: number }
  | { type: 'loop'; value: LoopFacts }
  /** Server-specific counters (Herald: socket writes and frame joins of the flush). */
  | { type: 'counters'; value: Record<string, number> };

/** Answers memory requests after a full GC (the process runs with --expose-gc) and exits on stop. */
export function serveIpc(
  onStop: () => Promise<void> | void,
  counters: () => Record<string, number> = () => ({}),
): void {
  // 10 ms resolution: a blocked turn shows as one long sample; the histogram costs one timer.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let busyMax = 0;
  let last = process.cpuUsage();
  setInterval(() => {
    const now = process.cpuUsage();
    busyMax = Math.max(busyMax, now.user + now.system - last.user - last.system);
    last = now;
  }, 5).unref();
  process.on('message', (msg: ServerRequest) => {
    if (msg.type === 'counters') {
      process.send?.({ type: 'counters', value: counters() } satisfies ServerReply);
      return;
    }
    if (msg.type === 'loop') {
      const value: LoopFacts = {
        p99Ms: loop.percentile(99) / 1e6,
        maxMs: loop.max / 1e6,
        busyMaxMs: busyMax / 1000,
        peakRss: process.resourceUsage().maxRSS * 1024,
      };
      loop.reset();
      busyMax = 0;
      process.send?.({ type: 'loop', value } satisfies ServerReply);
      return;
    }
    if (msg.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const m = process.memoryUsage();
      const value: MemoryFacts = {
        rss: m.rss,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      };
      process.send?.({ type: 'memory', value } satisfies ServerReply);
    } else if (msg.type === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ type: 'cpu', value: u.user + u.system } satisfies ServerReply);
    } else if (msg.type === 'stop') {
      Promise.resolve(onStop()).finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}
