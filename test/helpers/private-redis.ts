/**
 * A private redis-server on a free port for fault tests (the shared one on 6379 is never stopped):
 * shut down, frozen (SIGSTOP) and thawed, restarted empty.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './process.js';
import { eventually } from './wait.js';

/** Resolves once the redis-server on `port` answers PING. */
export async function redisAnswers(port: number): Promise<void> {
  await eventually('redis-server to answer', async () => {
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      assert.equal(await probe.ping(), 'PONG');
    } finally {
      probe.disconnect();
    }
  });
}

export class PrivateRedis {
  private child: ChildProcess | null = null;
  frozen = false;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.restartEmpty();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) with no data: no persistence at all. */
  async restartEmpty(): Promise<void> {
    await this.stop();
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await redisAnswers(this.port);
  }

  freeze(): void {
    this.child?.kill('SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
    this.frozen = false;
  }

  /** Gone at once, as a crash or a shutdown without saving. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    if (this.frozen) this.thaw();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
