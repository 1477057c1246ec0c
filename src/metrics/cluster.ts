/**
 * Metrics under `--workers N`. node:cluster shares a listening port between workers, so a /metrics port
 * every worker listened on would hand each scrape to one random worker: a fraction of the figures. So
 * workers serve no metrics; the primary alone listens and, per scrape, asks every worker for its
 * registry over the cluster IPC channel (prom-client's AggregatorRegistry) and answers the sum:
 * counters, gauges (`herald_connections`…) and histogram buckets add up across workers.
 *
 * A worker that died takes its counts with it (the sum drops, which Prometheus reads as a counter
 * reset); one that does not answer within prom-client's 5 s fails the scrape with 500 rather than
 * serving partial figures.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Scrapable } from './server.js';

/** In a worker: answer the primary's metric requests from `registry`. */
export function answerPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs the worker's IPC listener (prom-client does it nowhere else).
  new AggregatorRegistry();
}

/** In the primary: every connected worker's registry, aggregated at scrape time. */
export class ClusterMetrics implements Scrapable {
  private readonly aggregator = new AggregatorRegistry();

  scrape(): Promise<string> {
    return this.aggregator.clusterMetrics();
  }

  get contentType(): string {
    return this.aggregator.contentType;
  }
}
