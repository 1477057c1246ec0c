/**
 * Starting the server under test: Herald (in-process host, or `herald start --workers N`), one of the
 * two baselines, or an external target the user already runs.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoopFacts, MemoryFacts, ServerReply } from '../servers/ipc.js';
import type { TargetApp } from './pusher-wire.js';

/** `herald-wN` is Herald started as `herald start --workers N`, so several worker counts share a run. */
export type ServerKind = 'herald' | 'herald-console' | 'naive' | 'coalesced' | 'target' | `herald-w${number}`;

/** Worker count of a `herald-wN` kind, or null for the other kinds. */
export function workersOf(kind: string): number | null {
  const m = /^herald-w([1-9]\d*)$/.exec(kind);
  return m ? Number(m[1]) : null;
}

export interface ServerOptions {
  /** ws://host:port of an external server (kind 'target'). */
  target?: string;
  app: TargetApp;
  /** Herald: worker processes (passed through to `herald start --workers`). */
  workers: number;
  /** Write a V8 CPU profile of the server to this directory. */
  cpuProfDir?: string;
  /** Herald config overrides (JSON), e.g. {"perMessageDeflate": true}. */
  heraldConfig?: Record<string, unknown>;
  /** Pin `herald start` (primary and workers) to these CPUs with taskset, e.g. "0-7". */
  serverCpus?: string;
}

export interface RunningServer {
  readonly kind: ServerKind;
  readonly ws: string;
  /** RSS and heap after a forced GC, or null when the server is not ours to inspect. */
  memory(): Promise<MemoryFacts | null>;
  /** CPU time used so far (µs), or null when the server is not ours to inspect. */
  cpu(): Promise<number | null>;
  /** Event-loop delay since the last call and peak RSS (single-process servers started here). */
  loop(): Promise<LoopFacts | null>;
  /** Server-specific counters so far (Herald in-process: flush writes and joins), or null. */
  counters(): Promise<Record<string, number> | null>;
  /** write/writev/send system calls so far (Linux /proc), or null when not available. */
  writes(): number | null;
  stop(): Promise<void>;
}

const HOST = fileURLToPath(new URL('../servers/herald-host.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('../servers/baseline.js', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));

/** Herald's configuration for the harness: the bench app, quiet logs, limits out of the way. */
export function benchHeraldConfig(
  app: TargetApp,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    log: { level: 'warn' },
    metrics: { enabled: false },
    console: { enabled: false },
    shutdownTimeout: 0,
    apps: [
      {
        ...app,
        clientEvents: true,
        limits: {
          maxClientEventsPerSecond: 1_000_000,
          maxApiRequestsPerSecond: 0,
          maxPresenceMembers: 100_000,
        },
      },
    ],
    ...extra,
  };
}

function profArgs(dir: string | undefined, name: string): string[] {
  return dir
    ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
    : [];
}

/** The primary and its workers inherit the flags: one directory per server, files named by pid. */
function clusterProfArgs(dir: string | undefined, name: string): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, `${name}-${Date.now()}`)}`] : [];
}

const CONSOLE = { enabled: true, port: 0, token: 'bench-console-token-0123456789' };

/** A console page's feed, as the browser would hold it: every log entry and sample, read and dropped. */
function watchConsole(port: number, token: string): Promise<{ close(): void; bytes(): number }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const req = httpGet(
      { host: '127.0.0.1', port, path: '/api/feed', headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`console feed answered ${res.statusCode}`));
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('error', () => undefined);
        resolve({ close: () => req.destroy(), bytes: () => bytes });
      },
    );
    req.on('error', reject);
  });
}

function ipcServer(kind: ServerKind, child: ChildProcess): Promise<RunningServer & { consolePort?: number }> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`${kind} server exited (${code}) before listening`));
    child.once('exit', onExit);
    const waiters: ((m: MemoryFacts) => void)[] = [];
    const cpuWaiters: ((n: number) => void)[] = [];
    const loopWaiters: ((f: LoopFacts) => void)[] = [];
    const counterWaiters: ((c: Record<string, number>) => void)[] = [];
    child.on('message', (msg: ServerReply) => {
      if (msg.type === 'listening') {
        child.off('exit', onExit);
        resolve({
          kind,
          ws: `ws://127.0.0.1:${msg.port}`,
          ...(msg.consolePort !== undefined ? { consolePort: msg.consolePort } : {}),
          memory: () =>
            new Promise<MemoryFacts>((res) => {
              waiters.push(res);
              child.send({ type: 'memory' });
            }),
          cpu: () =>
            new Promise<number>((res) => {
              cpuWaiters.push(res);
              child.send({ type: 'cpu' });
            }),
          loop: () =>
            new Promise<LoopFacts>((res) => {
              loopWaiters.push(res);
              child.send({ type: 'loop' });
            }),
          counters: () =>
            new Promise<Record<string, number>>((res) => {
              counterWaiters.push(res);
              child.send({ type: 'counters' });
            }),
          writes: () => treeWrites(child.pid!),
          stop: () =>
            new Promise<void>((res) => {
              if (child.exitCode !== null) return res();
              child.once('exit', () => res());
              child.send({ type: 'stop' });
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      } else if (msg.type === 'memory') {
        waiters.shift()?.(msg.value);
      } else if (msg.type === 'cpu') {
        cpuWaiters.shift()?.(msg.value);
      } else if (msg.type === 'loop') {
        loopWaiters.shift()?.(msg.value);
      } else if (msg.type === 'counters') {
        counterWaiters.shift()?.(msg.value);
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** RSS of a process and its children from /proc (no GC: used for multi-process Herald). */
function treeRss(pid: number): number {
  let total = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) total += treeRss(Number(k));
  } catch {
    // process gone or /proc unavailable
  }
  return total;
}

/** User + system CPU of a process and its children from /proc, in microseconds (10 ms resolution). */
export function treeCpu(pid: number): number {
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * 10_000;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) total += treeCpu(Number(k));
  } catch {
    // process gone or /proc unavailable
  }
  return total;
}

/** User + system CPU of one process (not its children), in microseconds. */
function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

/** Write system calls of a process and its children (`syscw` in /proc/<pid>/io). */
function treeWrites(pid: number): number | null {
  try {
    let total = Number(/syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) total += treeWrites(Number(k)) ?? 0;
    return Number.isFinite(total) ? total : null;
  } catch {
    return null;
  }
}

async function startHeraldCli(kind: ServerKind, opts: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const file = join(tmpdir(), `herald-bench-${process.pid}-${port}.json`);
  writeFileSync(file, JSON.stringify(benchHeraldConfig(opts.app, opts.heraldConfig)));
  const args = ['start', '--port', String(port), '--workers', String(opts.workers), '--config', file];
  const execArgv = clusterProfArgs(opts.cpuProfDir, kind);
  // Pinned through taskset (children inherit the affinity), so the load can run on the other cores.
  const child = opts.serverCpus
    ? spawn('taskset', ['-c', opts.serverCpus, process.execPath, ...execArgv, BIN, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : fork(BIN, args, { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening on/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`herald exited (${code}) before listening:\n${out}`)));
  });
  child.stdout?.resume();
  return {
    kind,
    ws: `ws://127.0.0.1:${port}`,
    memory: async () => ({ rss: treeRss(child.pid!), heapUsed: 0, external: 0, arrayBuffers: 0 }),
    cpu: async () => treeCpu(child.pid!),
    loop: async () => null,
    // The primary alone: with IPC it relays every envelope between the workers.
    counters: async () => ({ primaryCpuUs: processCpu(child.pid!) }),
    writes: () => treeWrites(child.pid!),
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGKILL'), 8000).unref();
      }),
  };
}

export async function startServer(kind: ServerKind, opts: ServerOptions): Promise<RunningServer> {
  const workers = workersOf(kind);
  if (workers !== null) return startHeraldCli(kind, { ...opts, workers });
  switch (kind) {
    case 'target':
      if (!opts.target) throw new Error('--target ws://host:port is required for the target server');
      return {
        kind,
        ws: opts.target,
        memory: async () => null,
        cpu: async () => null,
        loop: async () => null,
        counters: async () => null,
        writes: () => null,
        stop: async () => undefined,
      };
    case 'herald-console': {
      // Herald as `herald`, plus what an open console page costs: an unfiltered log feed read to the end.
      const config = { ...benchHeraldConfig(opts.app, opts.heraldConfig), console: CONSOLE };
      const child = fork(HOST, [JSON.stringify(config)], {
        execArgv: ['--expose-gc', ...profArgs(opts.cpuProfDir, kind)],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const server = await ipcServer(kind, child);
      const watcher = await watchConsole(server.consolePort!, CONSOLE.token);
      return {
        ...server,
        stop: async () => {
          watcher.close();
          // A feed that carried nothing would make the comparison meaningless.
          if (watcher.bytes() < 1000)
            throw new Error(`the console feed carried only ${watcher.bytes()} bytes`);
          await server.stop();
        },
      };
    }
    case 'herald': {
      if (opts.workers > 1) return startHeraldCli(kind, opts);
      const child = fork(HOST, [JSON.stringify(benchHeraldConfig(opts.app, opts.heraldConfig))], {
        execArgv: ['--expose-gc', ...profArgs(opts.cpuProfDir, 'herald')],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return ipcServer(kind, child);
    }
    default: {
      const child = fork(BASELINE, [kind], {
        execArgv: ['--expose-gc', ...profArgs(opts.cpuProfDir, kind)],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return ipcServer(kind, child);
    }
  }
}
