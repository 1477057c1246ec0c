/**
 * Cache values of channels nobody reads again must not live forever: an app publishing to one cache
 * channel per order (`cache-order-{id}`) would otherwise grow the in-memory adapter until restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalAdapter } from '../../src/adapters/local-adapter.js';

/** The number of cache entries held for an app (white-box: there is no API for it). */
function held(adapter: LocalAdapter, appId: string): number {
  const membership = (
    adapter as unknown as { membership: { caches: Map<string, { entries: Map<string, unknown> }> } }
  ).membership;
  return membership.caches.get(appId)?.entries.size ?? 0;
}

test('expired entries of channels never read again are dropped as new ones are published', async () => {
  let now = 1_000_000;
  const adapter = new LocalAdapter(() => now);
  for (let i = 0; i < 3000; i++) await adapter.setCache('a', `cache-order-${i}`, 'e', `{"i":${i}}`, 60);
  now += 61_000;
  for (let i = 3000; i < 6000; i++) await adapter.setCache('a', `cache-order-${i}`, 'e', `{"i":${i}}`, 60);
  assert.ok(held(adapter, 'a') <= 3000 + 1024, `${held(adapter, 'a')} entries held`);

  // Live entries survive the sweeps and still replay; expired ones answer null.
  assert.deepEqual(await adapter.getCache('a', 'cache-order-5999'), {
    event: 'e',
    data: '{"i":5999}',
    ttl: 60,
  });
  assert.equal(await adapter.getCache('a', 'cache-order-0'), null);
  // Another app's entries are its own.
  await adapter.setCache('b', 'cache-x', 'e', '{}', 60);
  assert.equal(held(adapter, 'b'), 1);
});
