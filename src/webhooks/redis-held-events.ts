/**
 * WH-05 held events shared through Redis: any node's re-occupy / re-join cancels a vacate / removal held
 * by another, and whichever node polls first releases a due one (atomically, so exactly one does).
 */
import { createRedis, type RedisClient } from '../adapters/redis/connect.js';
import type { Held, HeldEvents } from './held-events.js';

/**
 * KEYS: 1 held (HASH key -> JSON), 2 heldDue (ZSET key -> release time)
 * ARGV: 1 key, 2 JSON, 3 release time
 * A key already held keeps its first event (the earliest time).
 */
const HOLD = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return 1
`;

/**
 * KEYS: 1 held, 2 heldDue
 * ARGV: 1 key
 * Returns 1 when an event was held under the key (now dropped), else 0.
 */
const CANCEL = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
return 0
`;

/**
 * KEYS: 1 held, 2 heldDue
 * ARGV: 1 now, 2 max
 * Removes and returns the JSON of up to `max` events due by `now`.
 */
const RELEASE = `
local keys = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, k in ipairs(keys) do
  local json = redis.call('HGET', KEYS[1], k)
  redis.call('HDEL', KEYS[1], k)
  redis.call('ZREM', KEYS[2], k)
  if json then out[#out + 1] = json end
end
return out
`;

interface Scripts {
  whHold(...args: (string | number)[]): Promise<number>;
  whCancel(...args: (string | number)[]): Promise<number>;
  whRelease(...args: (string | number)[]): Promise<string[]>;
}

export interface RedisHeldOptions {
  url: string;
  prefix: string;
  delayMs: number;
  release: (held: Held) => void;
  now: () => number;
  onError?: (err: Error) => void;
}

export class RedisHeldEvents implements HeldEvents {
  private readonly redis: RedisClient & Scripts;
  private readonly held: string;
  private readonly due: string;
  private readonly timer: NodeJS.Timeout;
  private polling: Promise<void> | null = null;

  constructor(private readonly options: RedisHeldOptions) {
    // Any deployment the adapter supports (standalone, Sentinel, Cluster): the keys share one hash tag.
    const redis = createRedis(options.url, 'durable');
    redis.on('error', (err: Error) => options.onError?.(err));
    redis.defineCommand('whHold', { numberOfKeys: 2, lua: HOLD });
    redis.defineCommand('whCancel', { numberOfKeys: 2, lua: CANCEL });
    redis.defineCommand('whRelease', { numberOfKeys: 2, lua: RELEASE });
    this.redis = redis as RedisClient & Scripts;
    const base = `{${options.prefix}:webhooks}`;
    this.held = `${base}:held`;
    this.due = `${base}:held-due`;
    // Release precision: a fraction of the delay, at most a quarter second late.
    const every = Math.max(20, Math.min(250, Math.floor(options.delayMs / 4)));
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => {
        this.polling = null;
      });
    }, every);
    this.timer.unref();
  }

  hold(key: string, held: Held): void {
    const dueAt = held.at + this.options.delayMs;
    this.redis.whHold(this.held, this.due, key, JSON.stringify(held), dueAt).catch((err: Error) => {
      // Better sent early than lost: without Redis the event cannot wait anywhere shared.
      this.options.onError?.(err);
      this.options.release(held);
    });
  }

  async cancel(key: string): Promise<boolean> {
    try {
      return (await this.redis.whCancel(this.held, this.due, key)) === 1;
    } catch (err) {
      this.options.onError?.(err as Error);
      return false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    const quit = this.redis.quit().catch(() => undefined);
    await Promise.race([quit, new Promise<void>((r) => setTimeout(r, 1000).unref())]);
    this.redis.disconnect();
  }

  private async poll(): Promise<void> {
    try {
      for (;;) {
        const due = await this.redis.whRelease(this.held, this.due, this.options.now(), 100);
        for (const json of due) this.options.release(JSON.parse(json) as Held);
        if (due.length < 100) break;
      }
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }
}
