/**
 * `herald start --workers N`: the primary forks N workers that share the listening port (node:cluster
 * hands connections to them). Workers coordinate through the configured adapter: Redis when set, or
 * else the primary's IPC relay (src/adapters/ipc-relay.ts). A worker that dies is cleaned up after and
 * replaced; SIGTERM drains every worker (4200 to clients) before the primary exits.
 *
 * The primary prints the banner once (workers print none) and serves /metrics for all workers, summed
 * (src/metrics/cluster.ts): a port shared by the workers would hand each scrape to one of them.
 * The console runs in one worker at a time for the same reason (its live feed must stay with one
 * process); the primary makes its token, so a replacement worker keeps the operator logged in.
 */
import cluster, { type Worker } from 'node:cluster';
import { IPC_ENV, type IpcMessage } from '../adapters/ipc-ops.js';
import { IpcRelay } from '../adapters/ipc-relay.js';
import type { HeraldConfig } from '../config/config.js';
import { generateToken } from '../console/auth.js';
import { ClusterMetrics } from '../metrics/cluster.js';
import { serveMetrics } from '../metrics/server.js';
import { banner, consoleLines } from './banner.js';

const RESTART_DELAY_MS = 1000;
/** How long past `shutdownTimeout` the primary waits for draining workers before it SIGKILLs them. */
const STOP_GRACE_MS = 5000;
/** After SIGKILL, how long to wait for the kernel to report the workers gone before exiting anyway. */
const KILL_WAIT_MS = 2000;
/** Set by the primary in each worker's environment: '1' in the one that serves the console. */
export const CONSOLE_WORKER_ENV = 'HERALD_INTERNAL_CONSOLE_WORKER';

export async function startPrimary(config: HeraldConfig, fdLimits = ''): Promise<number> {
  let metricsAt = '';
  if (config.metrics.enabled) {
    try {
      const m = await serveMetrics(new ClusterMetrics(), config.metrics.host, config.metrics.port);
      metricsAt = `; metrics of all workers on http://${m.host}:${m.port}/metrics`;
    } catch (err) {
      console.error(`Cannot start: ${(err as Error).message}`);
      return 1;
    }
  }
  const useIpc = config.adapter.driver !== 'redis';
  const relay = useIpc ? new IpcRelay() : null;
  // Advanced serialization carries Maps (channel stats, members) across IPC.
  cluster.setupPrimary({ serialization: 'advanced' });
  let stopping = false;
  /**
   * Workers whose process has not exited. Not `cluster.workers`: Node removes a worker from that map
   * only after both its `exit` and its `disconnect`, so counting it in the `exit` handler could find the
   * last worker still there, and the primary would never exit (issue 18).
   */
  const alive = new Map<number, Worker>();
  const consoleToken = config.console.enabled ? (config.console.token ?? generateToken()) : null;
  let consoleWorker: number | null = null;

  const fork = (): Worker => {
    const env: Record<string, string> = useIpc ? { [IPC_ENV]: '1' } : {};
    const servesConsole = consoleToken !== null && consoleWorker === null;
    if (consoleToken !== null) {
      env[CONSOLE_WORKER_ENV] = servesConsole ? '1' : '0';
      env['HERALD_CONSOLE_TOKEN'] = consoleToken;
    }
    const worker = cluster.fork(env);
    alive.set(worker.id, worker);
    if (servesConsole) consoleWorker = worker.id;
    const id = String(worker.id);
    relay?.attach(id, {
      send: (m: IpcMessage) => {
        if (worker.isConnected()) worker.send(m);
      },
      onMessage: (listener) => worker.on('message', listener),
    });
    return worker;
  };

  let announced = false;
  cluster.on('listening', (worker, address) => {
    console.error(`worker ${worker.process.pid} listening`);
    if (announced) return;
    announced = true;
    console.log(banner(config, address.port, undefined, fdLimits ? [fdLimits] : []));
  });

  cluster.on('message', (_worker, m: unknown) => {
    if (typeof m !== 'object' || m === null || !('heraldConsole' in m)) return;
    const url = String(m.heraldConsole);
    console.log(
      consoleLines({
        url,
        ...(config.console.token === undefined && consoleToken ? { generatedToken: consoleToken } : {}),
      }),
    );
  });

  let killed = false;
  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker.id);
    void relay?.detach(String(worker.id));
    if (worker.id === consoleWorker) consoleWorker = null;
    if (stopping) {
      if (alive.size === 0) process.exit(killed ? 1 : 0);
      return;
    }
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS).unref();
  });

  for (let i = 0; i < config.workers; i++) fork();
  console.error(
    `Herald primary ${process.pid}: ${config.workers} workers sharing port ${config.port}, ` +
      `coordinated through ${useIpc ? 'the primary (IPC)' : 'Redis'}${metricsAt}`,
  );

  const killAll = () => {
    killed = true;
    for (const w of alive.values()) w.process.kill('SIGKILL');
    // The exit handler ends the primary once every worker is reported gone; this bounds that wait.
    setTimeout(() => process.exit(1), KILL_WAIT_MS);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: killing ${alive.size} workers`);
      killAll();
      return;
    }
    stopping = true;
    console.error(`${signal}: draining ${alive.size} workers`);
    if (alive.size === 0) process.exit(0);
    for (const w of alive.values()) w.process.kill('SIGTERM');
    // A worker stuck past its own drain deadline must not keep the primary (and `npm start`) alive.
    const grace = config.shutdownTimeout * 1000 + STOP_GRACE_MS;
    setTimeout(() => {
      const late = [...alive.values()].map((w) => w.process.pid).join(', ');
      console.error(`workers ${late} still running ${grace} ms after ${signal}: killing them`);
      killAll();
    }, grace);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return new Promise<number>(() => {
    // Runs until a signal ends the process.
  });
}
