/**
 * Log lines a client can cause (its refusals, its connection coming and going, a handler failing on its
 * input) go through here: at most `perConnection` lines per connection and `perIp` per address in each
 * window, so a client flooding bad frames cannot flood the log or spend the server's time writing it.
 * What was held back is counted and reported in one line when the next window opens.
 */
import type { Logger } from './logger.js';

export interface Origin {
  readonly ip: string;
  /** The connection, for WebSocket traffic; HTTP requests are limited by address only. */
  readonly socketId?: string;
}

export interface ClientLogLimits {
  windowMs: number;
  perConnection: number;
  perIp: number;
}

export const DEFAULT_CLIENT_LOG_LIMITS: Readonly<ClientLogLimits> = Object.freeze({
  windowMs: 10_000,
  perConnection: 5,
  perIp: 20,
});

type Level = 'debug' | 'info' | 'warn' | 'error';

export class ClientLog {
  private windowStart = 0;
  /** Lines per key in the current window; replaced each window, so memory follows one window's clients. */
  private counts = new Map<string, number>();
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly limits: ClientLogLimits = DEFAULT_CLIENT_LOG_LIMITS,
  ) {}

  debug(origin: Origin, fields: Record<string, unknown>, msg: string): void {
    this.write('debug', origin, fields, msg);
  }

  warn(origin: Origin, fields: Record<string, unknown>, msg: string): void {
    this.write('warn', origin, fields, msg);
  }

  error(origin: Origin, fields: Record<string, unknown>, msg: string): void {
    this.write('error', origin, fields, msg);
  }

  private write(level: Level, origin: Origin, fields: Record<string, unknown>, msg: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    if (!this.allow(origin)) return;
    this.logger[level](fields, msg);
  }

  private allow(origin: Origin): boolean {
    const now = this.now();
    if (now - this.windowStart >= this.limits.windowMs) {
      if (this.suppressed > 0) {
        this.logger.warn(
          { suppressed: this.suppressed, windowMs: this.limits.windowMs },
          'client-triggered log lines suppressed (per-connection and per-IP limits)',
        );
      }
      this.windowStart = now;
      this.counts = new Map();
      this.suppressed = 0;
    }
    const ipKey = `ip ${origin.ip}`;
    const ipCount = this.counts.get(ipKey) ?? 0;
    const connKey = origin.socketId === undefined ? undefined : `socket ${origin.socketId}`;
    const connCount = connKey === undefined ? 0 : (this.counts.get(connKey) ?? 0);
    if (ipCount >= this.limits.perIp || connCount >= this.limits.perConnection) {
      this.suppressed++;
      return false;
    }
    this.counts.set(ipKey, ipCount + 1);
    if (connKey !== undefined) this.counts.set(connKey, connCount + 1);
    return true;
  }
}
