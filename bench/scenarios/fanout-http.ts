/**
 * pusher-js's xhr_streaming fallback against WebSocket in the same run: N subscribers on each transport
 * (one channel per transport), events through the HTTP API, the WebSocket phase first, then the
 * streaming one on the same server. Only Herald serves the HTTP transports (`--servers herald`).
 */
import { connectAll, publishAndMeasure, range } from './measure.js';
import type { Metrics, Scenario } from './types.js';

function prefixed(prefix: string, m: Metrics): Metrics {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [`${prefix}${k}`, v]));
}

export const fanoutHttp: Scenario = {
  name: 'fanout-http',
  summary: '1 channel × N xhr_streaming subscribers vs 1 channel × N WebSocket ones, same server and run',
  uses: ['subscribers', 'rate', 'window', 'concurrency', 'payload'],
  metrics: [
    { chart: true, key: 'ws_deliveries_per_s', label: 'ws deliveries/s', unit: '/s', better: 'higher' },
    {
      chart: true,
      key: 'xhr_deliveries_per_s',
      label: 'xhr_streaming deliveries/s',
      unit: '/s',
      better: 'higher',
    },
    { key: 'xhr_vs_ws', label: 'xhr ÷ ws deliveries/s', unit: '', better: 'higher' },
    {
      chart: true,
      key: 'ws_cpu_us_per_delivery',
      label: 'ws server CPU µs/delivery',
      unit: 'µs',
      better: 'lower',
    },
    {
      chart: true,
      key: 'xhr_cpu_us_per_delivery',
      label: 'xhr server CPU µs/delivery',
      unit: 'µs',
      better: 'lower',
    },
    { key: 'ws_p50_ms', label: 'ws p50', unit: 'ms', better: 'lower' },
    { key: 'xhr_p50_ms', label: 'xhr p50', unit: 'ms', better: 'lower' },
    { chart: true, key: 'ws_p99_ms', label: 'ws p99', unit: 'ms', better: 'lower' },
    { chart: true, key: 'xhr_p99_ms', label: 'xhr p99', unit: 'ms', better: 'lower' },
    { key: 'xhr_deliveries_per_write', label: 'xhr deliveries/write', unit: '', better: 'higher' },
    { key: 'xhr_undelivered', label: 'xhr undelivered', unit: '', better: 'lower' },
  ],
  async run(ctx) {
    const n = ctx.opts.subscribers;
    await connectAll(
      ctx,
      range(n).map(() => ({ channels: ['bench-ws'] })),
    );
    const ws = await publishAndMeasure(ctx, ['bench-ws'], [n]);
    await connectAll(
      ctx,
      range(n).map(() => ({ channels: ['bench-xhr'], transport: 'xhr_streaming' as const })),
    );
    const xhr = await publishAndMeasure(ctx, ['bench-xhr'], [n]);
    const wsRate = ws['deliveries_per_s'] ?? null;
    const xhrRate = xhr['deliveries_per_s'] ?? null;
    return {
      ...prefixed('ws_', ws),
      ...prefixed('xhr_', xhr),
      xhr_vs_ws: wsRate && xhrRate !== null ? Math.round((xhrRate / wsRate) * 100) / 100 : null,
    };
  },
};
