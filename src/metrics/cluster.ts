/**
 * Metrics under `--workers N`. node:cluster shares a listening port between workers, so a /metrics port
 * every worker listened on would hand each scrape to one random worker: a fraction of the figures. So
 * workers serve no metrics; the primary alone listens and, per scrape, asks every worker for its
 * registry over the cluster IPC channel and answers the sum (prom-client's `AggregatorRegistry.aggregate`):
 * counters, gauges (`herald_connections`…) and histogram buckets add up across workers.
 *
 * Not prom-client's `clusterMetrics()`: it asks every forked worker, so a scrape during a worker's start
 * (before it listens for the question) or right after a crash waits out its 5 s timeout and fails. Here
 * only workers that are listening are asked, and one that exits mid-scrape is simply not waited for
 * (its connections are gone with it). A worker that is alive but silent for 5 s still fails the scrape.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Scrapable } from './server.js';

const TIMEOUT_MS = 5000;

/** One registry's `getMetricsAsJSON()`, as it crosses IPC. */
type RegistryJson = object[];

interface Ask {
  heraldMetrics: 'ask';
  id: number;
}
interface Answer {
  heraldMetrics: 'answer';
  id: number;
  metrics?: RegistryJson;
  error?: string;
}

function isMessage(m: unknown): m is Ask | Answer {
  return typeof m === 'object' && m !== null && 'heraldMetrics' in m;
}

/** In a worker: answer the primary's questions from `registry`. */
export function answerPrimary(registry: Registry): void {
  process.on('message', (m: unknown) => {
    if (!isMessage(m) || m.heraldMetrics !== 'ask') return;
    const reply = (a: Omit<Answer, 'heraldMetrics' | 'id'>) =>
      process.send?.({ heraldMetrics: 'answer', id: m.id, ...a } satisfies Answer);
    registry.getMetricsAsJSON().then(
      (metrics) => reply({ metrics }),
      (err: unknown) => reply({ error: String(err) }),
    );
  });
}

interface Pending {
  waiting: Set<number>;
  answers: RegistryJson[];
  finish(err?: Error): void;
}

/** In the primary: every listening worker's registry, aggregated at scrape time. */
export class ClusterMetrics implements Scrapable {
  private seq = 0;
  private readonly listening = new Set<number>();
  private readonly pending = new Map<number, Pending>();

  constructor() {
    cluster.on('listening', (worker) => this.listening.add(worker.id));
    cluster.on('exit', (worker) => {
      this.listening.delete(worker.id);
      for (const p of this.pending.values()) {
        if (p.waiting.delete(worker.id) && p.waiting.size === 0) p.finish();
      }
    });
    cluster.on('message', (worker, m: unknown) => {
      if (!isMessage(m) || m.heraldMetrics !== 'answer') return;
      const p = this.pending.get(m.id);
      if (!p?.waiting.delete(worker.id)) return;
      if (m.error !== undefined) return p.finish(new Error(`worker ${worker.process.pid}: ${m.error}`));
      p.answers.push(m.metrics ?? []);
      if (p.waiting.size === 0) p.finish();
    });
  }

  scrape(): Promise<string> {
    const id = ++this.seq;
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w) => w?.isConnected() && this.listening.has(w.id),
    );
    return new Promise<string>((resolve, reject) => {
      const p: Pending = {
        waiting: new Set(workers.map((w) => w!.id)),
        answers: [],
        finish: (err) => {
          if (!this.pending.delete(id)) return;
          clearTimeout(timer);
          if (err) return reject(err);
          AggregatorRegistry.aggregate(p.answers).metrics().then(resolve, reject);
        },
      };
      const timer = setTimeout(
        () => p.finish(new Error(`${p.waiting.size} worker(s) did not answer within ${TIMEOUT_MS} ms`)),
        TIMEOUT_MS,
      );
      this.pending.set(id, p);
      if (p.waiting.size === 0) return p.finish();
      // With a callback a send to a worker dying meanwhile reports to it instead of throwing in the
      // primary; that worker's exit then takes it off the list.
      for (const w of workers)
        w!.send({ heraldMetrics: 'ask', id } satisfies Ask, undefined, () => undefined);
    });
  }

  get contentType(): string {
    return AggregatorRegistry.PROMETHEUS_CONTENT_TYPE;
  }
}
