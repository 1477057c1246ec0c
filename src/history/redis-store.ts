/**
 * History in Redis Streams: one stream per channel (entry id `0-<serial>`, trimmed to `size` by
 * MAXLEN), its last serial in a string beside it, and one small hash per user mark. Every key of a
 * channel shares the adapter's hash tag `{app:channel}`, so on Redis Cluster a channel's history, its
 * membership and its sharded pub/sub topic live on one shard, and channels spread across shards.
 */
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../adapters/redis/connect.js';
import type { HistoryEntry, HistoryPage, HistoryStore, LeftMark, Limits } from './store.js';

const SCRIPTS = {
  append: 'history-append.lua',
  read: 'history-read.lua',
  hold: 'history-hold.lua',
  left: 'history-left.lua',
} as const;

type Script = keyof typeof SCRIPTS;

export function historyKeys(prefix: string, appId: string, channel: string) {
  const base = `${prefix}:{${appId}:${channel}}`;
  return { stream: `${base}:h`, serial: `${base}:hn`, mark: (userId: string) => `${base}:hu:${userId}` };
}

export class RedisHistoryStore implements HistoryStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {
    for (const [name, file] of Object.entries(SCRIPTS)) {
      // `npm run build` copies the .lua files beside the compiled module (scripts/copy-assets.mjs).
      const lua = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      this.client.defineCommand(`herald_history_${name}`, { numberOfKeys: name === 'left' ? 1 : 2, lua });
    }
  }

  private run(name: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    const fn = (this.client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[
      `herald_history_${name}`
    ]!;
    return fn.call(this.client, ...keys, ...args);
  }

  private keys(appId: string, channel: string) {
    return historyKeys(this.prefix, appId, channel);
  }

  async append(appId: string, channel: string, frame: string, at: number, limits: Limits): Promise<number> {
    const k = this.keys(appId, channel);
    return Number(
      await this.run('append', [k.stream, k.serial], [limits.size, limits.ttlSeconds * 1000, at, frame]),
    );
  }

  private static page(raw: unknown): HistoryPage {
    const r = raw as (string | number)[];
    const entries: HistoryEntry[] = [];
    for (let i = 2; i + 2 < r.length; i += 3) {
      entries.push({ serial: Number(r[i]), at: Number(r[i + 1]), frame: String(r[i + 2]) });
    }
    return { last: Number(r[0]), first: Number(r[1]), entries };
  }

  async after(appId: string, channel: string, after: number, limit: number): Promise<HistoryPage> {
    const k = this.keys(appId, channel);
    return RedisHistoryStore.page(await this.run('read', [k.stream, k.serial], ['after', after, limit]));
  }

  async latest(appId: string, channel: string, count: number): Promise<HistoryPage> {
    const k = this.keys(appId, channel);
    return RedisHistoryStore.page(await this.run('read', [k.stream, k.serial], ['latest', count]));
  }

  async hold(appId: string, channel: string): Promise<void> {
    const k = this.keys(appId, channel);
    await this.run('hold', [k.stream, k.serial], ['hold', 0]);
  }

  async release(appId: string, channel: string, ttlSeconds: number): Promise<void> {
    const k = this.keys(appId, channel);
    await this.run('hold', [k.stream, k.serial], ['release', ttlSeconds * 1000]);
  }

  async markLeft(
    appId: string,
    channel: string,
    userId: string,
    mark: LeftMark,
    keepSeconds: number,
  ): Promise<void> {
    const key = this.keys(appId, channel).mark(userId);
    await this.run('left', [key], [mark.serial, mark.at, keepSeconds * 1000]);
  }

  async leftMark(appId: string, channel: string, userId: string): Promise<LeftMark | null> {
    const [s, a] = await this.client.hmget(this.keys(appId, channel).mark(userId), 's', 'a');
    if (s === null || a === null) return null;
    return { serial: Number(s), at: Number(a) };
  }

  /** The client is the caller's: it connects and disconnects it. */
  async close(): Promise<void> {}
}
