/**
 * `herald start` as a child process for the attack and soak runs: its port from the banner, every
 * output line kept (the attacks count log lines), and its CPU time and RSS from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const HERALD_BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));

export interface SpawnedHerald {
  readonly child: ChildProcess;
  readonly port: number;
  /** Output lines so far (stdout and stderr). */
  lines(): number;
  output(): string;
  /** User + system CPU time of the process in milliseconds (Linux /proc). */
  cpuMs(): number;
  stop(): Promise<void>;
}

const CLK_TCK = 100;

export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

export async function spawnHeraldProcess(
  env: Record<string, string>,
  bin = HERALD_BIN,
  args: string[] = [],
): Promise<SpawnedHerald> {
  const child = spawn(process.execPath, [...args, bin, 'start', '--port', '0'], {
    env: { ...process.env, HERALD_METRICS: 'false', HERALD_SHUTDOWN_TIMEOUT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let lineCount = 0;
  const onData = (d: Buffer) => {
    const s = d.toString();
    out += s;
    for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) lineCount++;
    // Keep memory bounded on a long run: only the tail is needed for diagnostics.
    if (out.length > 1_000_000) out = out.slice(-200_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`herald did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /listening on https?:\/\/[^:]+:(\d+)/.exec(out) ?? /"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => reject(new Error(`herald exited before listening:\n${out}`)));
  });
  return {
    child,
    port,
    lines: () => lineCount,
    output: () => out,
    cpuMs: () => processCpuMs(child.pid!),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
