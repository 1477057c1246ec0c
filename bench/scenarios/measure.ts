/** Steps shared by the scenarios: connect, open a measurement window, publish, drain, collect. */

import { nowMicros } from '../lib/clock.js';
import { type Cluster, type LoadProcess, split } from '../lib/cluster.js';
import { merge, summarize } from '../lib/histogram.js';
import { treeCpu } from '../lib/servers.js';
import type { CollectReply, ConnectReply, ConnSpec, PublishReply } from '../load/protocol.js';
import type { Metrics, ScenarioContext } from './types.js';

export async function connectAll(ctx: ScenarioContext, specs: ConnSpec[], concurrency = 64): Promise<number> {
  const parts = split(specs, ctx.cluster.receivers.length);
  const started = nowMicros();
  const replies = await Promise.all(
    ctx.cluster.receivers.map((p, i) =>
      p.call<ConnectReply>({ cmd: 'connect', target: ctx.target, specs: parts[i]!, concurrency }),
    ),
  );
  const failed = replies.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) {
    const first = replies.find((r) => r.firstError)?.firstError;
    throw new Error(`${failed} of ${specs.length} connections failed on ${ctx.server.kind}: ${first}`);
  }
  return (nowMicros() - started) / 1e6;
}

/** Load starts at `start`; figures count from `from` (after the warm-up) to `to`. Microseconds. */
export interface Window {
  start: number;
  from: number;
  to: number;
}

/** Opens a window: warm-up from now, then `duration` measured seconds, on every load process. */
export async function openWindow(ctx: ScenarioContext): Promise<Window> {
  const start = nowMicros() + 50_000;
  const from = start + ctx.opts.warmup * 1e6;
  const to = from + ctx.opts.duration * 1e6;
  ctx.cluster.resetProgress();
  await Promise.all(ctx.cluster.all.map((p) => p.call({ cmd: 'window', from, to })));
  return { start, from, to };
}

/** What the server used inside the window: CPU time (µs) and write system calls. */
export interface ServerUsage {
  cpuUs: number | null;
  writes: number | null;
  /** CPU time of the load processes (receivers and publisher) in the window, µs. */
  loadCpuUs: number;
}

function loadCpu(ctx: ScenarioContext): number {
  let total = 0;
  for (const p of ctx.cluster.all) if (p.pid !== undefined) total += treeCpu(p.pid);
  return total;
}

/** The server's usage inside the window (nulls when the server cannot be inspected). */
export async function cpuInWindow(ctx: ScenarioContext, w: Window): Promise<ServerUsage> {
  const at = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, (t - nowMicros()) / 1000)));
  await at(w.from);
  const wa = ctx.server.writes();
  const la = loadCpu(ctx);
  const a = await ctx.server.cpu();
  await at(w.to);
  const wb = ctx.server.writes();
  const lb = loadCpu(ctx);
  const b = await ctx.server.cpu();
  return {
    cpuUs: a === null || b === null ? null : b - a,
    writes: wa === null || wb === null ? null : wb - wa,
    loadCpuUs: lb - la,
  };
}

/**
 * Server CPU per delivery: what a server spends, even when the clients cap the throughput. Deliveries
 * per write system call tell how well frames were coalesced, which is most of that CPU.
 */
export function cpuMetrics(ctx: ScenarioContext, usage: ServerUsage, deliveriesPerS: number | null): Metrics {
  const seconds = ctx.opts.duration;
  const { cpuUs, writes } = usage;
  return {
    server_cpu_pct: cpuUs === null ? null : Math.round(cpuUs / seconds / 1e4),
    load_cpu_pct: Math.round(usage.loadCpuUs / seconds / 1e4),
    cpu_us_per_delivery:
      cpuUs !== null && deliveriesPerS ? Math.round((cpuUs / seconds / deliveriesPerS) * 1000) / 1000 : null,
    deliveries_per_write:
      writes && deliveriesPerS ? Math.round(((deliveriesPerS * seconds) / writes) * 10) / 10 : null,
  };
}

export async function collect(processes: readonly LoadProcess[]): Promise<CollectReply[]> {
  return Promise.all(processes.map((p) => p.call<CollectReply>({ cmd: 'collect' })));
}

/** Deliveries and latency over the window, from every load process. */
export function deliveryMetrics(ctx: ScenarioContext, replies: CollectReply[], prefix = ''): Metrics {
  const hist = merge(replies.map((r) => r.latency));
  const lat = summarize(hist);
  hist.destroy();
  const received = replies.reduce((n, r) => n + r.receivedInWindow, 0);
  const errors = replies.reduce((n, r) => n + r.errors, 0);
  const closes = replies.reduce((n, r) => n + Object.values(r.closes).reduce((a, b) => a + b, 0), 0);
  const firstError = replies.find((r) => r.firstError)?.firstError;
  if (firstError) console.error(`  ${ctx.server.kind}: ${errors} client error(s), first: ${firstError}`);
  return {
    [`${prefix}deliveries_per_s`]: Math.round(received / ctx.opts.duration),
    [`${prefix}p50_ms`]: lat.p50,
    [`${prefix}p90_ms`]: lat.p90,
    [`${prefix}p99_ms`]: lat.p99,
    [`${prefix}p999_ms`]: lat.p999,
    [`${prefix}max_ms`]: lat.max,
    [`${prefix}latency_samples`]: lat.count,
    [`${prefix}client_errors`]: errors,
    [`${prefix}unexpected_closes`]: closes,
  };
}

/** Publishes to `channels` from the publisher process over the window, then waits for delivery. */
export async function publishAndMeasure(
  ctx: ScenarioContext,
  channels: string[],
  deliveries: number[],
  opts: { windowEvents?: number | null; publishers?: LoadProcess[] } = {},
): Promise<Metrics> {
  const { cluster } = ctx;
  const w = await openWindow(ctx);
  const perEvent = deliveries.reduce((a, b) => a + b, 0) / deliveries.length;
  const windowEvents = opts.windowEvents === undefined ? ctx.opts.window : opts.windowEvents;
  const publishers = opts.publishers ?? [cluster.publisher];
  const cpu = cpuInWindow(ctx, w);
  const flush = flushInWindow(ctx, w);
  const replies = await Promise.all(
    publishers.map((p) =>
      p.call<PublishReply>({
        cmd: 'publish',
        target: ctx.target,
        channels,
        deliveries,
        rate: ctx.opts.rate === null ? null : ctx.opts.rate / publishers.length,
        window: windowEvents === null || perEvent === 0 ? null : Math.ceil(windowEvents * perEvent),
        concurrency: Math.max(1, Math.round(ctx.opts.concurrency / publishers.length)),
        startAt: w.start,
        measureFrom: w.from,
        endAt: w.to,
        padTo: ctx.opts.payload,
      }),
    ),
  );
  const published = replies.reduce((n, r) => n + r.deliveriesPublished, 0);
  await cluster.drain(published);
  const collected = await collect(cluster.all);
  const httpErrors = replies.reduce((n, r) => n + r.httpErrors, 0);
  const firstHttp = replies.find((r) => r.firstHttpError)?.firstHttpError;
  if (firstHttp) console.error(`  ${ctx.server.kind}: ${httpErrors} HTTP error(s), first: ${firstHttp}`);
  const received = collected.reduce((n, r) => n + r.received, 0);
  const reqHist = merge(replies.map((r) => r.requests));
  const req = summarize(reqHist);
  reqHist.destroy();
  const requestsInWindow = replies.reduce((n, r) => n + r.requestsInWindow, 0);
  const delivered = deliveryMetrics(ctx, collected);
  const requestsPerS = Math.round(requestsInWindow / ctx.opts.duration);
  const usage = await cpu;
  const flushed = await flush;
  const perUnit = perEvent > 0 ? (delivered['deliveries_per_s'] ?? null) : requestsPerS;
  return {
    ...delivered,
    ...cpuMetrics(ctx, usage, perUnit),
    requests_per_s: requestsPerS,
    request_p50_ms: req.p50,
    request_p99_ms: req.p99,
    http_errors: httpErrors,
    undelivered: Math.max(0, published - received),
    // Herald only: how many socket writes had to join several frames into a buffer of their own.
    flush_joins_per_write:
      flushed && flushed.writes > 0 ? Math.round((flushed.copies / flushed.writes) * 1000) / 1000 : null,
    flush_frames_per_write:
      flushed && flushed.writes > 0
        ? Math.round((((delivered['deliveries_per_s'] ?? 0) * ctx.opts.duration) / flushed.writes) * 10) / 10
        : null,
    // --workers: the primary's share (it relays every envelope over IPC) and its cost per event.
    primary_cpu_pct:
      flushed?.primaryCpuUs != null ? Math.round(flushed.primaryCpuUs / ctx.opts.duration / 1e4) : null,
    primary_us_per_event:
      flushed?.primaryCpuUs != null && requestsPerS > 0
        ? Math.round((flushed.primaryCpuUs / ctx.opts.duration / requestsPerS) * 10) / 10
        : null,
  };
}

/** Herald's flush counters over the window, or the primary's CPU under --workers (null otherwise). */
async function flushInWindow(
  ctx: ScenarioContext,
  w: Window,
): Promise<{ writes: number; copies: number; primaryCpuUs: number | null } | null> {
  const at = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, (t - nowMicros()) / 1000)));
  await at(w.from);
  const a = await ctx.server.counters();
  await at(w.to);
  const b = await ctx.server.counters();
  if (!a || !b) return null;
  const delta = (k: string) => (a[k] === undefined || b[k] === undefined ? null : b[k]! - a[k]!);
  return { writes: delta('writes') ?? 0, copies: delta('joins') ?? 0, primaryCpuUs: delta('primaryCpuUs') };
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export type { Cluster };
