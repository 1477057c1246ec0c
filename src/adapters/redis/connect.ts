/**
 * The one Redis factory: every Redis client of Herald (the adapter's command and subscriber
 * connections, the webhook queue, held webhook events, the webhooks CLI) comes from here, from one URL,
 * for the three deployments ioredis supports:
 *
 *   redis://[user:password@]host:port[/db]              a single server (rediss:// for TLS)
 *   redis-sentinel://[:password@]h1:p1,h2:p2/master[/db] a Sentinel-managed primary
 *   redis-cluster://[:password@]h1:p1,h2:p2              a Redis Cluster (sharded pub/sub)
 *
 * Roles:
 * - `command` (adapter): fails fast while disconnected (no offline queue), so the adapter answers from
 *   what this node holds instead of making clients wait;
 * - `subscriber` (adapter): queues and resubscribes by itself;
 * - `durable` (webhooks): queues while disconnected and retries, connects at once.
 * Every command of every role has a timeout (`COMMAND_TIMEOUT_MS`): a frozen Redis fails a command, it
 * never hangs the request waiting on it.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisMode = 'standalone' | 'sentinel' | 'cluster';
export type RedisClient = Redis | Cluster;
export type RedisRole = 'command' | 'subscriber' | 'durable';

/** How long any Redis command may take before it fails (a frozen Redis, a lost packet). */
export const COMMAND_TIMEOUT_MS = 2000;

export interface RedisTarget {
  mode: RedisMode;
  /** host:port list for display (never the password) */
  where: string;
  create(role: RedisRole): RedisClient;
}

/** A client for `url` in `role`: the one way Herald opens a Redis connection. */
export function createRedis(url: string, role: RedisRole): RedisClient {
  return parseRedisUrl(url).create(role);
}

/** Reconnect back-off: 100 ms doubling to 5 s, with jitter so nodes do not stampede a restarted Redis. */
export function backoff(attempt: number): number {
  const base = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function hostList(spec: string, defaultPort: number): { host: string; port: number }[] {
  return spec.split(',').map((hp) => {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hp.trim());
    if (!m) throw new Error(`Invalid host in Redis URL: ${hp}`);
    return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
  });
}

function roleOptions(role: RedisRole): RedisOptions {
  const timeouts = { commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: 5000 };
  switch (role) {
    case 'command':
      return { ...timeouts, enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true };
    case 'subscriber':
      return { ...timeouts, maxRetriesPerRequest: null, autoResubscribe: true };
    case 'durable':
      return { ...timeouts, maxRetriesPerRequest: 3 };
  }
}

export function parseRedisUrl(url: string): RedisTarget {
  const m = /^([a-z+-]+):\/\/(?:([^@/]*)@)?([^/?]+)(\/[^?]*)?/i.exec(url);
  if (!m)
    throw new Error('Invalid Redis URL: expected redis://, rediss://, redis-sentinel:// or redis-cluster://');
  const scheme = m[1]!.toLowerCase();
  const auth = m[2] ? decodeURIComponent(m[2]) : '';
  const colon = auth.indexOf(':');
  const username = colon >= 0 ? auth.slice(0, colon) : '';
  const password = colon >= 0 ? auth.slice(colon + 1) : auth;
  const credentials = {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
  const path = (m[4] ?? '').split('/').filter(Boolean);
  const hosts = hostList(m[3]!, scheme === 'redis-sentinel' ? 26379 : 6379);
  const where = hosts.map((h) => `${h.host}:${h.port}`).join(',');
  const common = (role: RedisRole): RedisOptions => ({
    lazyConnect: role !== 'durable',
    retryStrategy: backoff,
    connectionName: 'herald',
  });

  switch (scheme) {
    case 'redis':
    case 'rediss':
      return {
        mode: 'standalone',
        where,
        create: (role) => new Redis(url, { ...common(role), ...roleOptions(role) }),
      };
    case 'redis-sentinel': {
      const name = path[0];
      if (!name) throw new Error('A redis-sentinel:// URL needs the master name as its path');
      return {
        mode: 'sentinel',
        where,
        create: (role) =>
          new Redis({
            ...common(role),
            ...roleOptions(role),
            ...credentials,
            sentinels: hosts,
            name,
            ...(path[1] ? { db: Number(path[1]) } : {}),
            sentinelRetryStrategy: backoff,
          }),
      };
    }
    case 'redis-cluster':
      return {
        mode: 'cluster',
        where,
        create: (role) =>
          new Cluster(hosts, {
            lazyConnect: role !== 'durable',
            shardedSubscribers: role === 'subscriber',
            enableOfflineQueue: role !== 'command',
            enableAutoPipelining: role === 'command',
            clusterRetryStrategy: backoff,
            redisOptions: { ...credentials, ...roleOptions(role), connectionName: 'herald' },
          }),
      };
    default:
      throw new Error(`Unsupported Redis URL scheme ${scheme}://`);
  }
}
