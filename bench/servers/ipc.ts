/** What every locally started server answers over IPC, so the controller can measure it from outside. */

export type ServerRequest = { type: 'memory' } | { type: 'cpu' } | { type: 'stop' };

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
  | { type: 'cpu'; value: number };

/** Answers memory requests after a full GC (the process runs with --expose-gc) and exits on stop. */
export function serveIpc(onStop: () => Promise<void> | void): void {
  process.on('message', (msg: ServerRequest) => {
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
