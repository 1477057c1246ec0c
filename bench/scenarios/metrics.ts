/** Metric descriptions shared by scenarios. */
import type { MetricInfo } from './types.js';

export type { Scenario } from './types.js';

export const LATENCY_METRICS: readonly MetricInfo[] = [
  { key: 'p50_ms', label: 'p50', unit: 'ms', better: 'lower' },
  { key: 'p99_ms', label: 'p99', unit: 'ms', better: 'lower', ratio: true },
  { key: 'p999_ms', label: 'p99.9', unit: 'ms', better: 'lower' },
  { key: 'max_ms', label: 'max', unit: 'ms', better: 'lower' },
];

export const DELIVERY_METRICS: readonly MetricInfo[] = [
  { key: 'deliveries_per_s', label: 'deliveries/s', unit: '/s', better: 'higher', ratio: true },
  { key: 'requests_per_s', label: 'events/s', unit: '/s', better: 'higher' },
  ...LATENCY_METRICS,
];
