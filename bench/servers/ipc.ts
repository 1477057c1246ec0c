/** What every locally started server answers over IPC, so the controller can measure it from outside. */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export type ServerRequest = { type: 'memory' } | { type: 'cpu' } | { type: 'loop' } | { type: 'stop' };

/** Event-loop delay since the previous `loop` request, in milliseconds. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface MemoryFacts {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type ServerReply =
  | { type: 'listening'; port: number }
  | { type: 'memory'; value: MemoryFacts }
  /** CPU time (user + system) the process has used so far, in microseconds. */
  | { type: 'cpu'; value: number }
  | { type: 'loop'; value: LoopDelay };

/** Answers memory requests after a full GC (the process runs with --expose-gc) and exits on stop. */
export function serveIpc(onStop: () => Promise<void> | void): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('message', (msg: ServerRequest) => {
    if (msg.type === 'loop') {
      const ms = (ns: number) => ns / 1e6;
      const value: LoopDelay = {
        p50: ms(delay.percentile(50)),
        p99: ms(delay.percentile(99)),
        max: ms(delay.max),
      };
      delay.reset();
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
