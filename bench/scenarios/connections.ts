/**
 * Ramp to N idle connections, each subscribed to one of 100 public channels: how fast they are
 * accepted, and what each costs the server in RSS and V8 heap after a full GC.
 */
import type { ConnSpec } from '../load/protocol.js';
import { connectAll, range } from './measure.js';
import type { Metrics, Scenario, ScenarioContext } from './types.js';

const MEMORY_METRICS: Scenario['metrics'] = [
  { key: 'connections_per_s', label: 'connections/s', unit: '/s', better: 'higher', ratio: true },
  { key: 'rss_per_conn_bytes', label: 'RSS/conn', unit: 'B', better: 'lower', ratio: true },
  { key: 'heap_per_conn_bytes', label: 'heap/conn', unit: 'B', better: 'lower', ratio: true },
];

export const connections: Scenario = {
  name: 'connections',
  summary: 'ramp to N idle subscribed connections: accept rate, memory per connection',
  uses: ['connections'],
  metrics: MEMORY_METRICS,
  run: (ctx) => idle(ctx, 'ws'),
};

/** The same on pusher-js's xhr_streaming fallback (Herald only: `--servers herald`). */
export const connectionsHttp: Scenario = {
  name: 'connections-http',
  summary: 'ramp to N idle xhr_streaming sessions: accept rate, memory per session',
  uses: ['connections'],
  metrics: MEMORY_METRICS,
  run: (ctx) => idle(ctx, 'xhr_streaming'),
};

async function idle(ctx: ScenarioContext, transport: NonNullable<ConnSpec['transport']>): Promise<Metrics> {
  const n = ctx.opts.connections;
  const before = await ctx.server.memory();
  const seconds = await connectAll(
    ctx,
    range(n).map((i) => ({ channels: [`idle-${i % 100}`], transport })),
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
}
