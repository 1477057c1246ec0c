/**
 * Whether each webhook target is answering, as operators need to see it: the first failed attempt of a
 * streak is logged at warn (status code or error, and when the next try is), then at most one line a
 * minute per target while it keeps failing, and one line when it answers again. Each attempt's outcome
 * is also handed to the queue, so `herald webhooks status` can print the last one per target.
 */
import type { Logger } from '../logging/logger.js';
import { redactUrl } from '../logging/redact-url.js';

/** While a target keeps failing, one line per this many milliseconds at most. */
export const FAILING_LOG_INTERVAL_MS = 60_000;

/** The latest attempt to one target, as `herald webhooks status` prints it. */
export interface TargetOutcome {
  /** Target key (see `targetKeys`). */
  target: string;
  appId: string;
  /** Redacted: never credentials. */
  url: string;
  ok: boolean;
  /** HTTP status when the receiver answered. */
  status?: number;
  /** Why it failed (HTTP 500, ECONNREFUSED, a timeout). */
  error?: string;
  /** When the attempt ended (ms since the epoch). */
  at: number;
  /** First failure of the current streak. */
  failingSince?: number;
  /** Next attempt of the failed batch; absent when it was dead-lettered. */
  nextTryAt?: number;
}

export interface AttemptReport {
  target: string;
  appId: string;
  url: string;
  ok: boolean;
  status?: number;
  error?: string;
  /** The failed batch's next attempt, or undefined when it was dead-lettered. */
  nextTryAt?: number;
}

interface Streak {
  since: number;
  lastLogAt: number;
  /** Failed attempts since the last line. */
  unlogged: number;
  failures: number;
}

export class TargetHealth {
  private readonly failing = new Map<string, Streak>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Records one attempt's outcome, logs what the operator should see, and returns it for the queue. */
  report(a: AttemptReport): TargetOutcome {
    const now = this.now();
    const url = redactUrl(a.url);
    const base = {
      target: a.target,
      appId: a.appId,
      url,
      ok: a.ok,
      at: now,
      ...(a.status !== undefined ? { status: a.status } : {}),
    };
    const streak = this.failing.get(a.target);
    if (a.ok) {
      if (streak) {
        this.failing.delete(a.target);
        this.logger.info(
          {
            app: a.appId,
            url,
            failures: streak.failures,
            failingForS: Math.round((now - streak.since) / 1000),
          },
          'webhook target recovered',
        );
      }
      return base;
    }
    const next = a.nextTryAt !== undefined ? new Date(a.nextTryAt).toISOString() : 'none (dead-lettered)';
    const detail = {
      app: a.appId,
      url,
      ...(a.status !== undefined ? { status: a.status } : {}),
      error: a.error,
      nextTry: next,
      ...(a.nextTryAt !== undefined
        ? { nextTryInS: Math.max(0, Math.round((a.nextTryAt - now) / 1000)) }
        : {}),
    };
    if (!streak) {
      this.failing.set(a.target, { since: now, lastLogAt: now, unlogged: 0, failures: 1 });
      this.logger.warn(detail, 'webhook target failing; will retry');
    } else {
      streak.failures++;
      streak.unlogged++;
      if (now - streak.lastLogAt >= FAILING_LOG_INTERVAL_MS) {
        this.logger.warn(
          {
            ...detail,
            failuresSinceLastLine: streak.unlogged,
            failingForS: Math.round((now - streak.since) / 1000),
          },
          'webhook target still failing',
        );
        streak.lastLogAt = now;
        streak.unlogged = 0;
      }
    }
    const since = this.failing.get(a.target)!.since;
    return {
      ...base,
      ...(a.error !== undefined ? { error: a.error } : {}),
      failingSince: since,
      ...(a.nextTryAt !== undefined ? { nextTryAt: a.nextTryAt } : {}),
    };
  }
}
