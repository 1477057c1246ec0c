/** Metric descriptions shared by scenarios. */
import type { MetricInfo } from './types.js';

export type { Scenario } from './types.js';

export const LATENCY_METRICS: readonly MetricInfo[] = [
  { key: 'p50_ms', label: 'p50', unit: 'ms', better: 'lower' },
  { key: 'p99_ms', label: 'p99', unit: 'ms', better: 'lower', ratio: true },
  { key: 'p999_ms', label: 'p99.9', unit: 'ms', better: 'lower' },
  { key: 'max_ms', label: 'max', unit: 'ms', better: 'lower' },
];

/** When the load processes cap throughput, server CPU per delivery still tells servers apart. */
export const CPU_PER_DELIVERY: MetricInfo = {
  key: 'cpu_us_per_delivery',
  label: 'server CPU µs/delivery',
  unit: 'µs',
  better: 'lower',
  ratio: true,
};

export const DELIVERY_METRICS: readonly MetricInfo[] = [
  { key: 'deliveries_per_s', label: 'deliveries/s', unit: '/s', better: 'higher', ratio: true },
  CPU_PER_DELIVERY,
  { key: 'server_cpu_pct', label: 'server CPU %', unit: '%', better: 'lower' },
  { key: 'load_cpu_pct', label: 'load CPU %', unit: '%', better: 'lower' },
  { key: 'deliveries_per_write', label: 'deliveries/write', unit: '', better: 'higher' },
  { key: 'requests_per_s', label: 'events/s', unit: '/s', better: 'higher' },
  { key: 'flush_frames_per_write', label: 'frames/socket write', unit: '', better: 'higher' },
  { key: 'flush_joins_per_write', label: 'private joins/socket write', unit: '', better: 'lower' },
  { key: 'primary_cpu_pct', label: 'primary CPU %', unit: '%', better: 'lower' },
  { key: 'primary_us_per_event', label: 'primary CPU µs/event', unit: 'µs', better: 'lower' },
  ...LATENCY_METRICS,
];
