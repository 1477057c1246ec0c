/** Fixed-window counters per key (client IP, app id). Behind an interface so a shared store can follow. */

export interface RateLimiter {
  /** Counts one hit for `key`; false when the key is over `limit` hits in the current window. */
  hit(key: string, limit: number): boolean;
}

export class MemoryRateLimiter implements RateLimiter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  hit(key: string, limit: number): boolean {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      // One shared window: resetting the whole map bounds memory to the keys seen in one window.
      this.windowStart = now;
      this.counts = new Map();
    }
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= limit;
  }
}
