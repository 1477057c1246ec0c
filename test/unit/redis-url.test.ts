/** Redis URL forms the adapter accepts, and the reconnect back-off. No Redis needed: clients are lazy. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster, Redis } from 'ioredis';
import { backoff, parseRedisUrl } from '../../src/adapters/redis/connect.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/schema-dsl.js';

test('redis:// and rediss:// are a single server', () => {
  const t = parseRedisUrl('redis://user:p%40ss@cache.internal:6380/2');
  assert.equal(t.mode, 'standalone');
  assert.equal(t.where, 'cache.internal:6380', 'the password is never part of what gets logged');
  const c = t.create('command') as Redis;
  assert.equal(c.options.host, 'cache.internal');
  assert.equal(c.options.port, 6380);
  assert.equal(c.options.db, 2);
  assert.equal(c.options.enableOfflineQueue, false, 'commands fail fast while disconnected');
  const s = t.create('subscriber') as Redis;
  assert.equal(s.options.maxRetriesPerRequest, null, 'subscriptions wait for the reconnect');
  c.disconnect();
  s.disconnect();
  assert.equal(parseRedisUrl('rediss://h').mode, 'standalone');
});

test('redis-sentinel:// names the sentinels and the master', () => {
  const t = parseRedisUrl('redis-sentinel://:secret@s1:26379,s2,[::1]:26380/mymaster/3');
  assert.equal(t.mode, 'sentinel');
  assert.equal(t.where, 's1:26379,s2:26379,::1:26380');
  const c = t.create('command') as Redis;
  assert.deepEqual(c.options.sentinels, [
    { host: 's1', port: 26379 },
    { host: 's2', port: 26379 },
    { host: '::1', port: 26380 },
  ]);
  assert.equal(c.options.name, 'mymaster');
  assert.equal(c.options.password, 'secret');
  assert.equal(c.options.db, 3);
  c.disconnect();
});

test('redis-cluster:// lists seed nodes and uses sharded subscribers', () => {
  const t = parseRedisUrl('redis-cluster://n1:7000,n2:7001');
  assert.equal(t.mode, 'cluster');
  const sub = t.create('subscriber') as Cluster;
  assert.equal(sub.options.shardedSubscribers, true);
  sub.disconnect();
});

test('bad URLs are refused with a reason', () => {
  assert.throws(() => parseRedisUrl('memcached://x'), /Unsupported Redis URL scheme/);
  assert.throws(() => parseRedisUrl('redis-sentinel://s1:26379'), /master name/);
  assert.throws(() => parseRedisUrl('not a url'), /Invalid Redis URL/);
});

test('back-off grows from about 100 ms to at most 5 s', () => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const ms = backoff(attempt);
    const base = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
    assert.ok(ms >= base / 2 && ms <= base, `attempt ${attempt}: ${ms} ms`);
  }
});

test('config: adapter.url is an alias of redisUrl and selects the redis driver; bad schemes stop the start', () => {
  const fromFile = loadConfig({ env: {}, overrides: { adapter: { url: 'redis://10.0.0.5:6379' } } });
  assert.equal(fromFile.adapter.driver, 'redis');
  assert.equal(fromFile.adapter.redisUrl, 'redis://10.0.0.5:6379');
  const envWins = loadConfig({
    env: { HERALD_REDIS_URL: 'redis-cluster://a:1,b:2' },
    overrides: { adapter: { url: 'redis://10.0.0.5:6379' } },
  });
  assert.equal(envWins.adapter.redisUrl, 'redis-cluster://a:1,b:2');
  assert.throws(
    () => loadConfig({ env: { HERALD_REDIS_URL: 'http://cache:6379' } }),
    (err: unknown) =>
      err instanceof ConfigError && /adapter\.redisUrl: expected redis:\/\//.test(err.message),
  );
});
