/** The controller's side of the load processes: fork them, send commands, sum their progress. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, WorkerMessage } from '../load/protocol.js';

const WORKER = fileURLToPath(new URL('../load/worker.js', import.meta.url));

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class LoadProcess {
  private readonly child: ChildProcess;
  get pid(): number | undefined {
    return this.child.pid;
  }
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  received = 0;

  constructor(
    readonly index: number,
    private readonly onProgress: () => void,
  ) {
    this.child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'progress') {
        this.received = msg.received;
        this.onProgress();
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(`load process ${this.index}: ${msg.error}`));
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values())
        p.reject(new Error(`load process ${this.index} exited (${code})`));
      this.pending.clear();
    });
  }

  call<T>(cmd: DistributiveOmit<Command, 'id'>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...cmd, id });
    });
  }

  push(msg: { type: 'credit'; received: number }): void {
    if (this.child.connected) this.child.send(msg);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || !this.child.connected) {
        resolve();
        return;
      }
      this.child.once('exit', () => resolve());
      this.child.send({ type: 'exit' });
      setTimeout(() => this.child.kill('SIGKILL'), 3000).unref();
    });
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** Receivers (`clients` processes) plus one publisher process, all apart from the server. */
export class Cluster {
  readonly receivers: LoadProcess[];
  readonly publisher: LoadProcess;

  constructor(clients: number) {
    const relay = () => this.relayCredit();
    this.receivers = Array.from({ length: clients }, (_, i) => new LoadProcess(i, relay));
    this.publisher = new LoadProcess(clients, relay);
  }

  get all(): LoadProcess[] {
    return [...this.receivers, this.publisher];
  }

  /** Deliveries received by every process since the last window reset. */
  get received(): number {
    let n = 0;
    for (const p of this.all) n += p.received;
    return n;
  }

  private relayCredit(): void {
    this.publisher.push({ type: 'credit', received: this.received });
  }

  resetProgress(): void {
    for (const p of this.all) p.received = 0;
  }

  /** Waits until `expected` deliveries arrived or nothing arrived for `quietMs`. */
  async drain(expected: number, quietMs = 1000, maxMs = 10_000): Promise<void> {
    const start = Date.now();
    let last = -1;
    let lastChange = Date.now();
    while (Date.now() - start < maxMs) {
      const now = this.received;
      if (now >= expected) return;
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange >= quietMs) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
  }
}

/** Splits `items` into `n` nearly equal consecutive parts. */
export function split<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < items.length; i++) out[i % n]!.push(items[i]!);
  return out;
}
