/**
 * Ramp to N idle connections, each subscribed to one of 100 public channels: how fast they are
 * accepted, and what each costs the server in RSS and V8 heap after a full GC.
 */
import { connectAll, range } from './measure.js';
import type { Scenario } from './metrics.js';

export const connections: Scenario = {
  name: 'connections',
  summary: 'ramp to N idle subscribed connections: accept rate, memory per connection',
  uses: ['connections'],
  metrics: [
    { key: 'connections_per_s', label: 'connections/s', unit: '/s', better: 'higher', ratio: true },
    { key: 'rss_per_conn_bytes', label: 'RSS/conn', unit: 'B', better: 'lower', ratio: true },
    { key: 'heap_per_conn_bytes', label: 'heap/conn', unit: 'B', better: 'lower', ratio: true },
  ],
  async run(ctx) {
    const n = ctx.opts.connections;
    const before = await ctx.server.memory();
    const seconds = await connectAll(
      ctx,
      range(n).map((i) => ({ channels: [`idle-${i % 100}`] })),
      32,
    );
    // Let handshake garbage and socket buffers settle before the GC'd reading.
    await new Promise((r) => setTimeout(r, 500));
    const after = await ctx.server.memory();
    const per = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined || a === 0 ? null : Math.round((a - b) / n);
    return {
      connections_per_s: Math.round(n / seconds),
      rss_per_conn_bytes: per(after?.rss, before?.rss),
      heap_per_conn_bytes: per(after?.heapUsed, before?.heapUsed),
      rss_total_mb: after ? Math.round(after.rss / 1e5) / 10 : null,
    };
  },
};
