/**
 * Where history and idempotency keys live: Redis when the adapter uses it (shared by every node, one
 * command connection from the adapter's URL parser), this process's memory otherwise.
 */
import { parseRedisUrl, type RedisClient } from '../adapters/redis/connect.js';
import type { HeraldConfig } from '../config/config.js';
import { type IdempotencyStore, MemoryIdempotencyStore, RedisIdempotencyStore } from './idempotency.js';
import { MemoryHistoryStore } from './memory-store.js';
import { RedisHistoryStore } from './redis-store.js';
import type { HistoryStore } from './store.js';

export interface HistoryBackends {
  history: HistoryStore;
  idempotency: IdempotencyStore;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function historyBackends(
  config: HeraldConfig,
  now: () => number,
  ipcWorker: boolean,
): HistoryBackends {
  const url = config.adapter.driver === 'redis' ? config.adapter.redisUrl : undefined;
  if (!url) {
    if (ipcWorker && config.apps.some((a) => a.history.length > 0)) {
      // Each worker would number the same channel on its own: serials would mean nothing.
      throw new Error(
        'history rules with --workers need Redis (adapter.redisUrl): workers share history there',
      );
    }
    const history = new MemoryHistoryStore(now);
    return {
      history,
      idempotency: new MemoryIdempotencyStore(now),
      start: async () => {},
      close: () => history.close(),
    };
  }
  const client: RedisClient = parseRedisUrl(url).create('command');
  return {
    history: new RedisHistoryStore(client, config.adapter.prefix),
    idempotency: new RedisIdempotencyStore(client, config.adapter.prefix),
    // Like the adapter, a node comes up while Redis is away; commands fail fast until it is back.
    start: () => client.connect().catch(() => undefined),
    close: async () => {
      client.disconnect();
    },
  };
}
