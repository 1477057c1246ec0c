/** Runs `herald start` as a child process and reads its port from the banner. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));

export interface HeraldProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export async function spawnHerald(args: string[], env: Record<string, string> = {}): Promise<HeraldProcess> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', ...args], {
    env: { ...process.env, HERALD_LOG_LEVEL: 'warn', HERALD_METRICS: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
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
    const timer = setTimeout(() => reject(new Error(`herald did not start in time:\n${out}`)), 15_000);
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
