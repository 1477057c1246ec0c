/** Runs `herald start` as a child process and reads its port from the banner. */

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));

export interface HeraldProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function spawnHerald(args: string[], env: Record<string, string> = {}): Promise<HeraldProcess> {
  return spawnListening(process.execPath, [BIN, 'start', '--port', '0', ...args], env);
}

/** Runs `command` (a Herald start through any launcher, e.g. npm) and reads the port from the banner. */
export async function spawnListening(
  command: string,
  argv: string[],
  env: Record<string, string> = {},
  /**
   * `cwd`; `inherit: false` starts from `env` alone instead of this process's environment; `stdin: true`
   * gives the test `child.stdin` to type into.
   */
  options: { cwd?: string; inherit?: boolean; stdin?: boolean } = {},
): Promise<HeraldProcess> {
  const base = options.inherit === false ? {} : process.env;
  const child = spawn(command, argv, {
    env: {
      ...base,
      HERALD_LOG_LEVEL: 'warn',
      HERALD_METRICS: 'false',
      HERALD_CONSOLE: 'false',
      ...env,
    },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // The caller never gets a handle to clean up: kill the tree here, or it outlives the test run.
      for (const pid of child.pid === undefined ? [] : descendants(child.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.kill('SIGKILL');
      reject(new Error(`herald did not start in time:\n${out}`));
    }, 60_000);
    const check = () => {
      const m = /listening on https?:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`herald exited with ${code} before listening:\n${out}`));
    });
  });
  return { child, port, output: () => out, exited };
}

/** Child process ids of `pid`, from /proc (no ps needed). */
export function children(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** `pid`'s children, their children, and so on. */
export function descendants(pid: number): number[] {
  const direct = children(pid);
  return [...direct, ...direct.flatMap(descendants)];
}

/** `promise`, or a rejection naming `what` once `ms` passed: no test waits on a process forever. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The exit code of `p`, which must exit within `ms` (its output is in the error otherwise). */
export function exitWithin(p: HeraldProcess, ms = 20_000): Promise<number | null> {
  return within(p.exited, ms, `process ${p.child.pid} exiting`).catch((err: Error) => {
    throw new Error(`${err.message}; output:\n${p.output()}`);
  });
}

/** True while a process with this id exists (a zombie not yet reaped counts). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs a process and everything it started (npm → herald primary → workers), then waits for it. */
export async function killTree(p: HeraldProcess): Promise<void> {
  const pid = p.child.pid;
  if (pid !== undefined) {
    for (const d of descendants(pid)) {
      try {
        process.kill(d, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await within(p.exited, 10_000, `process ${pid} exiting after SIGKILL`);
}

/** A TCP port that was free a moment ago, for servers that cannot bind port 0 themselves (redis-server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
