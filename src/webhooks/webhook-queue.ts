/**
 * The seam between producing webhook batches and delivering them. The in-memory queue is the default
 * (lost on restart); the Redis queue survives restarts and is shared by every node, with claims held
 * under a lease so two nodes never send the same batch at once.
 */

import type { TargetOutcome } from './target-health.js';

/** One signed request's worth of events for one target. The body bytes are fixed once, at sealing. */
export interface WebhookBatch {
  /** Stable across retries and replays: sent as `X-Herald-Webhook-Id` so receivers can drop duplicates. */
  id: string;
  appId: string;
  /** Target key (see `targetKey`), resolved against the configuration at send time. */
  target: string;
  /** Shown by the CLI; delivery always uses the configured target's URL. */
  url: string;
  /** `time_ms` of the body: when the oldest event of the batch happened. */
  timeMs: number;
  /** The exact JSON body, `{"time_ms":…,"events":[…]}`, signed per attempt. */
  body: string;
  /** Number of events in the body, for metrics. */
  events: number;
  /**
   * Where the retry window starts: when the oldest event happened (so every attempt's `time_ms` stays
   * within the window, e.g. the Python SDK's 300 s), or when the batch was replayed.
   */
  createdAt: number;
  /** Attempts made so far. */
  attempts: number;
  lastError?: string;
}

export interface DeadLetter extends WebhookBatch {
  reason: string;
  deadAt: number;
}

export interface PendingBatch {
  batch: WebhookBatch;
  /** When it is due next. */
  dueAt: number;
}

/** A batch held by one node while it sends it; `token` proves the hold when the outcome is recorded. */
export interface Claim {
  batch: WebhookBatch;
  token: string;
}

export interface ClaimOptions {
  now: number;
  /** At most this many batches. */
  max: number;
  /** How long other nodes must leave a claimed batch alone (longer than one attempt can take). */
  leaseMs: number;
  /** Targets this node is already sending to: one batch per target at a time keeps channel order. */
  busy: ReadonlySet<string>;
}

export interface ReplayOptions {
  now: number;
  /** Rewrite `time_ms` to `now` (receivers that reject stale webhooks, e.g. the Python SDK's 300 s). */
  restamp?: boolean;
}

export interface WebhookQueue {
  /** True when queued batches survive a restart of this process. */
  readonly durable: boolean;
  /** Adds a batch, due at once. */
  enqueue(batch: WebhookBatch): Promise<void>;
  /** Takes due batches, oldest due first, at most one per target not in `busy`. */
  claim(options: ClaimOptions): Promise<Claim[]>;
  /** Delivered: forget the batch. */
  ack(claim: Claim): Promise<void>;
  /** Failed: store `claim.batch` (attempts, lastError updated) and make it due again at `at`. */
  retry(claim: Claim, at: number): Promise<void>;
  /** Gave up: move the batch to the dead-letter list. */
  deadLetter(claim: Claim, reason: string, now: number): Promise<void>;
  /** When the next batch becomes due (a leased batch counts at its lease end), or null when empty. */
  nextDue(): Promise<number | null>;
  /** Batches waiting or being sent. */
  size(): Promise<number>;
  /**
   * Batches that failed at least once and wait for their next try (a batch being sent counts at its
   * lease end), soonest first, at most `limit`; the console shows them as retries in flight.
   */
  retrying(limit: number): Promise<PendingBatch[]>;
  /** Dead letters, oldest first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Moves dead letters (all, or those ids) back to the queue with a fresh retry window; returns how many. */
  replay(ids: readonly string[] | 'all', options: ReplayOptions): Promise<number>;
  /** Keeps the latest attempt's outcome per target (replacing the previous one), for `webhooks status`. */
  recordOutcome(outcome: TargetOutcome): Promise<void>;
  /** The latest outcome of every target that has had an attempt. */
  outcomes(): Promise<TargetOutcome[]>;
  close(): Promise<void>;
}

/** What a replayed batch becomes: attempts and retry window start over, the id stays. */
export function revive(dead: DeadLetter, options: ReplayOptions): WebhookBatch {
  const { reason: _reason, deadAt: _deadAt, ...batch } = dead;
  let body = batch.body;
  let timeMs = batch.timeMs;
  if (options.restamp) {
    const parsed = JSON.parse(body) as { time_ms: number; events: unknown[] };
    timeMs = options.now;
    body = JSON.stringify({ time_ms: timeMs, events: parsed.events });
  }
  return { ...batch, body, timeMs, attempts: 0, createdAt: options.now };
}
