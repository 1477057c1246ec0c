/**
 * What a test of the delivery loop drives it with: timers on a controlled clock, and the real memory
 * queue behind a probe that records the claims, can make a method fail (Redis down) and can hold a
 * call open so that a stop or a wake lands in the middle of it.
 */
import type { LoopTimers } from '../../src/webhooks/deliverer.js';
import { MemoryWebhookQueue } from '../../src/webhooks/memory-queue.js';
import type { TargetOutcome } from '../../src/webhooks/target-health.js';
import type {
  Claim,
  ClaimOptions,
  DeadLetter,
  PendingBatch,
  ReplayOptions,
  WebhookBatch,
  WebhookQueue,
} from '../../src/webhooks/webhook-queue.js';

/** Node runs a timer longer than this (or an infinite one) after 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;
/** More firings than this in one `advance` means the loop re-arms itself without end. */
const MAX_FIRINGS = 1000;

/** Lets every promise chain that waits on nothing but other promises run to its end. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Timers that fire only when the test moves the clock, each at its own instant, in order. */
export class ControlledTimers implements LoopTimers {
  private readonly pending = new Map<object, { at: number; fn: () => void }>();

  constructor(public now: number) {}

  set(fn: () => void, ms: number): object {
    const handle = {};
    const delay = Number.isFinite(ms) && ms <= TIMEOUT_MAX ? Math.max(0, ms) : 1;
    this.pending.set(handle, { at: this.now + delay, fn });
    return handle;
  }

  clear(handle: object): void {
    this.pending.delete(handle);
  }

  /** Moves the clock by `ms`, firing what falls due on the way (0: what is due now). */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    await settle();
    for (let fired = 0; ; fired++) {
      const next = [...this.pending].filter(([, t]) => t.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!next) break;
      if (fired === MAX_FIRINGS) throw new Error(`timers fired ${MAX_FIRINGS} times within ${ms} ms`);
      const [handle, timer] = next;
      this.pending.delete(handle);
      this.now = timer.at;
      timer.fn();
      await settle();
    }
    this.now = until;
  }
}

type Held = 'claim' | 'nextDue';
type Failing = 'claim' | 'ack' | 'recordOutcome';

/** The memory queue, optionally claiming to be durable (as the Redis one is), with the probes above. */
export class ProbedQueue implements WebhookQueue {
  readonly inner = new MemoryWebhookQueue();
  /** Every claim asked for, and the ids it returned. */
  readonly claims: { options: ClaimOptions; ids: string[] }[] = [];
  /** Methods that reject (once each when `once`), as a queue whose store is down does. */
  readonly failing = new Map<Failing, 'always' | 'once'>();
  private readonly holds = new Map<Held, { entered: () => void; release: Promise<void> }>();

  constructor(readonly durable = false) {}

  /**
   * The next call to `method` does its work, then waits for `release()` before answering: `entered`
   * resolves once it has done the work.
   */
  hold(method: Held): { entered: Promise<void>; release: () => void } {
    let entered!: () => void;
    let release!: () => void;
    const enteredP = new Promise<void>((r) => {
      entered = r;
    });
    const releaseP = new Promise<void>((r) => {
      release = r;
    });
    this.holds.set(method, { entered, release: releaseP });
    return { entered: enteredP, release };
  }

  /** Ids every claim returned, in order. */
  get claimed(): string[] {
    return this.claims.flatMap((c) => c.ids);
  }

  async claim(options: ClaimOptions): Promise<Claim[]> {
    this.fail('claim');
    const out = await this.inner.claim(options);
    this.claims.push({ options, ids: out.map((c) => c.batch.id) });
    await this.held('claim');
    return out;
  }

  async nextDue(): Promise<number | null> {
    const next = await this.inner.nextDue();
    await this.held('nextDue');
    return next;
  }

  async ack(claim: Claim): Promise<void> {
    this.fail('ack');
    return this.inner.ack(claim);
  }

  async recordOutcome(outcome: TargetOutcome): Promise<void> {
    this.fail('recordOutcome');
    return this.inner.recordOutcome(outcome);
  }

  enqueue(batch: WebhookBatch): Promise<void> {
    return this.inner.enqueue(batch);
  }
  retry(claim: Claim, at: number): Promise<void> {
    return this.inner.retry(claim, at);
  }
  deadLetter(claim: Claim, reason: string, now: number): Promise<void> {
    return this.inner.deadLetter(claim, reason, now);
  }
  size(): Promise<number> {
    return this.inner.size();
  }
  retrying(limit: number): Promise<PendingBatch[]> {
    return this.inner.retrying(limit);
  }
  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.inner.deadLetters(limit);
  }
  replay(ids: readonly string[] | 'all', options: ReplayOptions): Promise<number> {
    return this.inner.replay(ids, options);
  }
  outcomes(): Promise<TargetOutcome[]> {
    return this.inner.outcomes();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private fail(method: Failing): void {
    const how = this.failing.get(method);
    if (!how) return;
    if (how === 'once') this.failing.delete(method);
    throw new Error(`queue down (${method})`);
  }

  private async held(method: Held): Promise<void> {
    const hold = this.holds.get(method);
    if (!hold) return;
    this.holds.delete(method);
    hold.entered();
    await hold.release;
  }
}
