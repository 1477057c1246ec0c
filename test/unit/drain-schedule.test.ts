/** The drain spreads 4200s over the window in batches, at every scale (pure schedule, no timers). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drainInBatches, drainSchedule, MIN_BATCH_INTERVAL_MS } from '../../src/connections/drain.js';

test('few connections: one per batch, evenly over the window', () => {
  assert.deepEqual(drainSchedule(4, 10_000), { batchSize: 1, intervalMs: 2500, batches: 4 });
  assert.deepEqual(drainSchedule(1, 10_000), { batchSize: 1, intervalMs: 0, batches: 1 });
});

test('many connections: batches no closer than the minimum interval, still spanning the window', () => {
  const s = drainSchedule(100_000, 10_000);
  assert.equal(s.batches, 10_000 / MIN_BATCH_INTERVAL_MS);
  assert.equal(s.batchSize, 200);
  assert.equal(s.intervalMs, MIN_BATCH_INTERVAL_MS);
  assert.ok(s.batches * s.batchSize >= 100_000);
  const odd = drainSchedule(12_345, 10_000);
  assert.ok(odd.batches * odd.batchSize >= 12_345 && (odd.batches - 1) * odd.batchSize < 12_345);
  assert.ok(odd.intervalMs >= MIN_BATCH_INTERVAL_MS);
});

test('a zero window closes everything in one batch; nothing to close, nothing to do', () => {
  assert.deepEqual(drainSchedule(5000, 0), { batchSize: 5000, intervalMs: 0, batches: 1 });
  assert.deepEqual(drainSchedule(0, 10_000), { batchSize: 0, intervalMs: 0, batches: 0 });
});

test('drainInBatches closes every item exactly once, in order', async () => {
  const closed: number[] = [];
  const items = Array.from({ length: 57 }, (_, i) => i);
  await drainInBatches(items, 3 * MIN_BATCH_INTERVAL_MS, (i) => closed.push(i));
  assert.deepEqual(closed, items);
});
