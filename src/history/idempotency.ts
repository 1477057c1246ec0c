/**
 * Idempotent publish: a trigger carrying an idempotency key is published at most once per app within
 * the window, and a repeat gets the first answer. The first request claims the key (Redis SET NX, or
 * a map on one node), publishes, then stores its answer under the key; a repeat that finds the claim
 * waits for that answer. A publish that fails gives its claim up, so a retry can try again.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../adapters/redis/connect.js';
import { HeraldError } from '../protocol/errors.js';

export interface IdempotencyStore {
  /** `null` when this request claimed the key (it must then `complete` or `abandon` it), else the first answer. */
  claim(appId: string, key: string, windowSeconds: number): Promise<unknown | null>;
  complete(appId: string, key: string, answer: unknown, windowSeconds: number): Promise<void>;
  abandon(appId: string, key: string): Promise<void>;
  close(): Promise<void>;
}

export const MAX_KEY_LENGTH = 200;
/** How long a repeat waits for the first request's answer before giving up with 409. */
const ANSWER_WAIT_MS = 10_000;

/** Runs `publish` at most once per key within the window; repeats get its answer. */
export async function once(
  store: IdempotencyStore,
  appId: string,
  key: string,
  windowSeconds: number,
  publish: () => unknown | Promise<unknown>,
): Promise<unknown> {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new HeraldError('badRequest', `Idempotency key must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  const first = await store.claim(appId, key, windowSeconds);
  if (first !== null) return first;
  let answer: unknown;
  try {
    answer = await publish();
  } catch (err) {
    await store.abandon(appId, key).catch(() => undefined);
    throw err;
  }
  await store.complete(appId, key, answer, windowSeconds);
  return answer;
}

function stillPending(key: string): HeraldError {
  return new HeraldError('conflict', `A request with idempotency key ${key} is still being published`);
}

interface Slot {
  answer: unknown;
  done: Promise<void>;
  resolve: () => void;
  expiresAt: number;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(appId: string, key: string, windowSeconds: number): Promise<unknown | null> {
    const id = `${appId}\n${key}`;
    const now = this.now();
    const slot = this.slots.get(id);
    if (slot && slot.expiresAt > now) {
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ANSWER_WAIT_MS).unref());
      if ((await Promise.race([slot.done, timeout])) === 'timeout') throw stillPending(key);
      // Given up meanwhile: this request may publish after all.
      if (!this.slots.has(id)) return this.claim(appId, key, windowSeconds);
      return slot.answer;
    }
    if (this.slots.size > 10_000)
      for (const [k, s] of this.slots) if (s.expiresAt <= now) this.slots.delete(k);
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    this.slots.set(id, { answer: null, done, resolve, expiresAt: now + windowSeconds * 1000 });
    return null;
  }

  async complete(appId: string, key: string, answer: unknown, windowSeconds: number): Promise<void> {
    const slot = this.slots.get(`${appId}\n${key}`);
    if (!slot) return;
    slot.answer = answer;
    slot.expiresAt = this.now() + windowSeconds * 1000;
    slot.resolve();
  }

  async abandon(appId: string, key: string): Promise<void> {
    const id = `${appId}\n${key}`;
    const slot = this.slots.get(id);
    this.slots.delete(id);
    slot?.resolve();
  }

  async close(): Promise<void> {}
}

/** Redis: the claim is `SET key "" NX PX window`; the answer replaces the empty value. */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  private keyOf(appId: string, key: string): string {
    // Hashed: keys are client-chosen and may hold braces that would change the Cluster hash tag.
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 40);
    return `${this.prefix}:{${appId}::i:${digest}}`;
  }

  async claim(appId: string, key: string, windowSeconds: number): Promise<unknown | null> {
    const k = this.keyOf(appId, key);
    const deadline = Date.now() + ANSWER_WAIT_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      if ((await this.client.set(k, '', 'PX', windowSeconds * 1000, 'NX')) === 'OK') return null;
      const value = await this.client.get(k);
      if (value) return JSON.parse(value) as unknown;
      // value === '' : the first request is still publishing; null: it gave up, so try to claim again.
      if (value === '' && Date.now() > deadline) throw stillPending(key);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async complete(appId: string, key: string, answer: unknown, windowSeconds: number): Promise<void> {
    await this.client.set(this.keyOf(appId, key), JSON.stringify(answer), 'PX', windowSeconds * 1000);
  }

  async abandon(appId: string, key: string): Promise<void> {
    await this.client.del(this.keyOf(appId, key));
  }

  /** The client is the caller's: it connects and disconnects it. */
  async close(): Promise<void> {}
}
