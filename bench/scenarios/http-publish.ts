/**
 * Trigger requests per second on keep-alive connections: first with nobody subscribed (the HTTP API
 * alone: parse, verify signature, route), then with S subscribers on the channel.
 */
import { connectAll, publishAndMeasure, range } from './measure.js';
import type { Scenario } from './metrics.js';

export const httpPublish: Scenario = {
  name: 'http-publish',
  summary: 'trigger requests/s on keep-alive connections, with and without subscribers',
  uses: ['concurrency', 'subscribers', 'payload'],
  metrics: [
    {
      key: 'requests_per_s',
      label: 'requests/s (no subscribers)',
      unit: '/s',
      better: 'higher',
      ratio: true,
    },
    { key: 'cpu_us_per_request', label: 'server CPU µs/request', unit: 'µs', better: 'lower', ratio: true },
    { key: 'request_p99_ms', label: 'request p99', unit: 'ms', better: 'lower' },
    {
      key: 'subs_requests_per_s',
      label: 'requests/s (with subscribers)',
      unit: '/s',
      better: 'higher',
      ratio: true,
    },
    { key: 'subs_deliveries_per_s', label: 'deliveries/s (with subscribers)', unit: '/s', better: 'higher' },
    { key: 'primary_cpu_pct', label: 'primary CPU %', unit: '%', better: 'lower' },
    { key: 'primary_us_per_event', label: 'primary CPU µs/event', unit: 'µs', better: 'lower' },
  ],
  async run(ctx) {
    const alone = await publishAndMeasure(ctx, ['bench-http'], [0], {
      windowEvents: null,
      publishers: ctx.cluster.all,
    });
    const s = ctx.opts.subscribers;
    await connectAll(
      ctx,
      range(s).map(() => ({ channels: ['bench-http'] })),
    );
    const withSubs = await publishAndMeasure(ctx, ['bench-http'], [s]);
    return {
      requests_per_s: alone['requests_per_s'] ?? null,
      request_p50_ms: alone['request_p50_ms'] ?? null,
      request_p99_ms: alone['request_p99_ms'] ?? null,
      cpu_us_per_request: alone['cpu_us_per_delivery'] ?? null,
      server_cpu_pct: alone['server_cpu_pct'] ?? null,
      // --workers over IPC: the primary relays each event to every other worker.
      primary_cpu_pct: alone['primary_cpu_pct'] ?? null,
      primary_us_per_event: alone['primary_us_per_event'] ?? null,
      http_errors: (alone['http_errors'] ?? 0) + (withSubs['http_errors'] ?? 0),
      subs_requests_per_s: withSubs['requests_per_s'] ?? null,
      subs_deliveries_per_s: withSubs['deliveries_per_s'] ?? null,
      subs_p99_ms: withSubs['p99_ms'] ?? null,
    };
  },
};
