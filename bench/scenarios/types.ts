/** What a scenario is: how to load one running server, and which of its figures matter. */
import type { Cluster } from '../lib/cluster.js';
import type { RunningServer } from '../lib/servers.js';
import type { Target } from '../load/protocol.js';

export interface BenchOptions {
  runs: number;
  /** Measured seconds per run, after `warmup` seconds. */
  duration: number;
  warmup: number;
  /** Receiver load processes (the publisher always gets its own). */
  clients: number;
  subscribers: number;
  channels: number;
  perChannel: number;
  members: number;
  churners: number;
  rooms: number;
  roomSize: number;
  tokens: number;
  connections: number;
  /** Concurrent HTTP requests of the publisher. */
  concurrency: number;
  /** Events per second; null publishes as fast as the delivery window allows. */
  rate: number | null;
  /** Events published but not yet delivered everywhere, for "as fast as possible". */
  window: number;
  payload: number;
}

export type Metrics = Record<string, number | null>;

export interface ScenarioContext {
  readonly server: RunningServer;
  readonly cluster: Cluster;
  readonly target: Target;
  readonly opts: BenchOptions;
}

export interface MetricInfo {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  /** Higher is better (throughput) or lower is better (latency, memory). */
  readonly better: 'higher' | 'lower';
  /** Reported as a ratio to each baseline. */
  readonly ratio?: boolean;
  /** Drawn in the chart although it has no baseline ratio (scenarios that only Herald can run). */
  readonly chart?: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  /** Which options this scenario reads, for the report. */
  readonly uses: readonly (keyof BenchOptions)[];
  readonly metrics: readonly MetricInfo[];
  run(ctx: ScenarioContext): Promise<Metrics>;
}
