/** The fixed-window counter behind the per-address connection budget and the per-app API rate, under a controlled clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRateLimiter } from '../../src/connections/rate-limiter.js';

test('exactly `limit` hits per key and window; a new window opens exactly windowMs after the last one began', () => {
  let now = 5000;
  const limiter = new MemoryRateLimiter(1000, () => now);
  const hits = (key: string, n: number) => Array.from({ length: n }, () => limiter.hit(key, 3));
  assert.deepEqual(hits('a', 4), [true, true, true, false]);
  assert.deepEqual(hits('b', 1), [true], 'keys are counted apart');
  now = 5999;
  assert.deepEqual(hits('a', 1), [false], 'still the same window');
  now = 6000;
  assert.deepEqual(hits('a', 4), [true, true, true, false], 'the window that began at 5000 ended at 6000');
  now = 6999;
  assert.deepEqual(hits('b', 3), [true, true, true], 'b starts afresh in the new window');
});
