/**
 * The delivery loop: claims due batches, sends them, and records the outcome. Failures (non-2xx,
 * timeout, refused connection) are retried with exponential back-off and jitter until the batch's
 * retry window closes, then dead-lettered. Outcomes go to the server-event stream for metrics.
 *
 * At most one batch per target is in flight on a node, which keeps per-channel order while the
 * receiver answers; retries may reorder (WH-08 promises no order).
 */
import type { AppConfig, WebhookTarget } from '../config/config.js';
import type { ServerEvents, WebhookAttempt } from '../events/server-events.js';
import type { Logger } from '../logging/logger.js';
import { redactUrl } from '../logging/redact-url.js';
import type { WebhookSender } from './sender.js';
import { type AttemptReport, TargetHealth } from './target-health.js';
import type { Claim, WebhookQueue } from './webhook-queue.js';

export interface DeliveryTiming {
  timeoutMs: number;
  retryWindowMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Batches one node sends at once (each to a different target). */
const MAX_IN_FLIGHT = 16;
/** A durable queue is polled this often for batches other nodes left (dead node, CLI replay). */
const POLL_MS = 1000;

/** Delay before attempt `attempt + 1`: base·2^(attempt-1), capped, with "equal jitter" (½ to 1×). */
export function backoff(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** How the loop waits: real timers that never hold the process open, or a test's controlled ones. */
export interface LoopTimers {
  /** Calls `fn` once after `ms`; the handle is what `clear` takes. */
  set(fn: () => void, ms: number): object;
  clear(handle: object): void;
}

const REAL_TIMERS: LoopTimers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ResolvedTarget {
  app: AppConfig;
  target: WebhookTarget;
}

export class Deliverer {
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: object | null = null;
  private running: Promise<void> | null = null;
  private lastWarn = 0;
  private again = false;
  private stopped = false;
  /** Lease > the longest an attempt can take, so a live sender never loses its batch to another node. */
  private readonly leaseMs: number;
  private readonly health: TargetHealth;

  constructor(
    private readonly queue: WebhookQueue,
    private readonly sender: WebhookSender,
    private readonly resolve: (appId: string, target: string) => ResolvedTarget | undefined,
    private readonly timing: DeliveryTiming,
    private readonly events: ServerEvents,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly timers: LoopTimers = REAL_TIMERS,
  ) {
    this.leaseMs = 2 * timing.timeoutMs + 1000;
    this.health = new TargetHealth(logger, now);
  }

  /** Something may be due: look now. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => this.tick(), 0);
  }

  /** Stops claiming; resolves when the batches in flight have their outcome recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.timers.clear(this.timer);
    this.timer = null;
    await this.running;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** True while batches are being sent. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) this.wake();
    });
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const free = MAX_IN_FLIGHT - this.inFlight.size;
        if (free <= 0) break;
        const claims = await this.queue.claim({
          now: this.now(),
          max: free,
          leaseMs: this.leaseMs,
          busy: new Set(this.inFlight.keys()),
        });
        for (const claim of claims) {
          // Stopped while claiming: hand it back rather than send after shutdown began.
          if (this.stopped) await this.queue.retry(claim, this.now());
          else this.start(claim);
        }
        if (claims.length === free) this.again = true;
      } while (this.again && !this.stopped);
      await this.schedule();
    } catch (err) {
      // Every poll fails while Redis is down: one line per 10 s says it.
      if (this.now() - this.lastWarn > 10_000) {
        this.lastWarn = this.now();
        this.logger.warn({ err }, 'webhook queue unavailable; retrying');
      }
      this.arm(POLL_MS);
    }
  }

  private async schedule(): Promise<void> {
    const next = await this.queue.nextDue();
    const poll = this.queue.durable ? POLL_MS : Number.POSITIVE_INFINITY;
    if (next === null) {
      this.arm(poll);
      return;
    }
    const wait = next - this.now();
    // Due but not claimed means its target is busy here: the send in flight wakes us when it ends.
    if (wait <= 0 && this.inFlight.size > 0) this.arm(poll);
    else this.arm(Math.min(Math.max(0, wait), poll));
  }

  private arm(ms: number): void {
    if (this.stopped || !Number.isFinite(ms)) return;
    if (this.timer) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => this.tick(), ms);
  }

  private start(claim: Claim): void {
    const target = claim.batch.target;
    const work = this.attempt(claim)
      .catch((err: unknown) => this.logger.warn({ err, id: claim.batch.id }, 'webhook outcome not recorded'))
      .finally(() => {
        this.inFlight.delete(target);
        this.wake();
      });
    this.inFlight.set(target, work);
  }

  private async attempt(claim: Claim): Promise<void> {
    const batch = claim.batch;
    const resolved = this.resolve(batch.appId, batch.target);
    if (!resolved) {
      this.emit(batch.appId, 'dead_lettered', batch.events);
      await this.queue.deadLetter(claim, 'target no longer configured', this.now());
      return;
    }
    batch.attempts++;
    const result = await this.sender.send({
      url: resolved.target.url,
      appKey: resolved.app.key,
      appSecret: resolved.app.secret,
      body: batch.body,
      id: batch.id,
      attempt: batch.attempts,
      ...(resolved.target.headers ? { headers: resolved.target.headers } : {}),
      timeoutMs: this.timing.timeoutMs,
    });
    const attempt: WebhookAttempt = {
      batchId: batch.id,
      target: batch.target,
      url: resolved.target.url,
      attempt: batch.attempts,
      ...(result.status !== undefined ? { status: result.status } : {}),
      latencyMs: result.latencyMs,
      excerpt: result.excerpt,
    };
    const report = { target: batch.target, appId: batch.appId, url: resolved.target.url };
    if (result.ok) {
      await this.queue.ack(claim);
      this.emit(batch.appId, 'sent', batch.events, attempt);
      await this.record({ ...report, ok: true, status: result.status });
      return;
    }
    const failure = {
      ...report,
      ok: false,
      error: result.error,
      ...(result.status !== undefined ? { status: result.status } : {}),
    };
    batch.lastError = result.error;
    this.emit(batch.appId, 'failed', batch.events, attempt);
    const now = this.now();
    // The last try goes slightly before the window's end, so it still passes receivers that reject
    // a time_ms exactly as old as the window (the Python SDK at the default 300 s).
    const window = this.timing.retryWindowMs;
    const lastTry = batch.createdAt + window - Math.min(1000, window / 10);
    if (now >= lastTry) {
      this.logger.warn(
        {
          app: batch.appId,
          url: redactUrl(resolved.target.url),
          id: batch.id,
          attempts: batch.attempts,
          error: result.error,
        },
        'webhook dead-lettered after its retry window',
      );
      await this.queue.deadLetter(claim, `retry window over: ${result.error}`, now);
      this.emit(batch.appId, 'dead_lettered', batch.events);
      await this.record(failure);
      return;
    }
    const delay = backoff(batch.attempts, this.timing.retryBaseMs, this.timing.retryMaxMs);
    // The last try lands on the window's end rather than being skipped.
    const nextTryAt = Math.min(now + delay, lastTry);
    await this.queue.retry(claim, nextTryAt);
    this.emit(batch.appId, 'retried', batch.events);
    await this.record({ ...failure, nextTryAt });
    this.logger.debug(
      {
        app: batch.appId,
        url: redactUrl(resolved.target.url),
        id: batch.id,
        attempt: batch.attempts,
        error: result.error,
      },
      'webhook attempt failed; will retry',
    );
  }

  /** Logs what the operator must see and keeps the outcome for `herald webhooks status`. */
  private async record(report: AttemptReport): Promise<void> {
    const outcome = this.health.report(report);
    // A status that cannot be written (Redis down) must not hold up delivery; the log line is out already.
    await this.queue.recordOutcome(outcome).catch(() => undefined);
  }

  private emit(
    appId: string,
    outcome: 'sent' | 'retried' | 'failed' | 'dead_lettered',
    events: number,
    attempt?: WebhookAttempt,
  ): void {
    this.events.emit({ type: 'webhook', appId, outcome, events, ...(attempt ? { attempt } : {}) });
  }
}
