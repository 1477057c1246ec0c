/**
 * How a draining node spreads its 4200s over the shutdown window: in evenly spaced batches, so clients
 * reconnect elsewhere at a steady rate instead of all at once. Batches (not one timer per connection)
 * keep the spread real at any scale: 100,000 connections over 10 s are 500 batches of 200, 20 ms apart.
 */

/** The shortest gap between two batches; below it timers cannot keep the pace anyway. */
export const MIN_BATCH_INTERVAL_MS = 20;

export interface DrainSchedule {
  /** Connections closed per batch. */
  readonly batchSize: number;
  /** Pause between two batches; the first batch goes at once and nothing waits after the last. */
  readonly intervalMs: number;
  readonly batches: number;
}

export function drainSchedule(connections: number, windowMs: number): DrainSchedule {
  if (connections <= 0) return { batchSize: 0, intervalMs: 0, batches: 0 };
  const batches = Math.max(1, Math.min(connections, Math.floor(windowMs / MIN_BATCH_INTERVAL_MS)));
  const batchSize = Math.ceil(connections / batches);
  const used = Math.ceil(connections / batchSize);
  return { batchSize, intervalMs: used > 1 ? windowMs / used : 0, batches: used };
}

/** Calls `close` on every item following `drainSchedule`; resolves after the last batch. */
export async function drainInBatches<T>(
  items: readonly T[],
  windowMs: number,
  close: (item: T) => void,
): Promise<void> {
  const { batchSize, intervalMs } = drainSchedule(items.length, windowMs);
  for (let i = 0; i < items.length; i += batchSize) {
    for (const item of items.slice(i, i + batchSize)) close(item);
    if (i + batchSize < items.length) await new Promise((r) => setTimeout(r, intervalMs));
  }
}
