/**
 * Node liveness through Redis: each node beats every `timeout / 5`; a node silent for 3/5 of the
 * timeout is claimed by exactly one other node (the heartbeat script moves it to the reaping set
 * atomically), which then removes the dead node's memberships. Worst case from the last beat to the
 * cleanup is about 4/5 of the timeout, inside the configured bound. When no node at all beat for
 * half that time, Redis itself stalled (frozen, or the network to it), not the nodes: the script then
 * claims nobody until every node had time to beat again.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';
import { runScript } from './scripts.js';

export interface RegistryHooks {
  /**
   * This node was not registered: first beat, Redis lost its data, or others presumed us dead.
   * `reaped` is true only in the last case: another node removed our entries and announced the leaves.
   */
  unregistered(first: boolean, reaped: boolean): void;
  /** Remove a dead node's memberships; resolve when done. */
  reap(nodeId: string): Promise<void>;
  failed(err: unknown): void;
  /** After each successful beat, with its round trip (the adapter's RTT metric samples it). */
  beaten(ms: number): void;
}

export class NodeRegistry {
  private timer: NodeJS.Timeout | null = null;
  private beats = 0;
  /** No claims before this time: right after an outage every node looks dead. */
  private claimAfter = 0;
  private readonly reaping = new Set<string>();
  /** The Redis data set's epoch as last seen: a new one means Redis restarted empty or was flushed. */
  private epoch: string | null = null;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly nodeId: string,
    private readonly timeoutMs: number,
    private readonly hooks: RegistryHooks,
  ) {}

  get intervalMs(): number {
    return Math.max(200, Math.floor(this.timeoutMs / 5));
  }

  get deadAfterMs(): number {
    return Math.floor((this.timeoutMs * 3) / 5);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** The connection came back: beat now, but give the other nodes time to beat before judging them. */
  reconnected(now: number): void {
    this.claimAfter = now + this.deadAfterMs;
  }

  async beat(): Promise<void> {
    if (this.client.status !== 'ready') return;
    const claim = Date.now() >= this.claimAfter ? 1 : 0;
    let res: unknown;
    const sent = performance.now();
    try {
      res = await runScript(
        this.client,
        'heartbeat',
        [this.keys.nodes, this.keys.reaping, this.keys.clock],
        [this.nodeId, this.deadAfterMs, claim, randomUUID()],
      );
    } catch (err) {
      this.hooks.failed(err);
      return;
    }
    const [fresh, epoch, ...claimed] = res as [number, string, ...string[]];
    const dataLost = this.epoch !== null && epoch !== this.epoch;
    this.epoch = epoch;
    if (fresh === 1) this.hooks.unregistered(this.beats === 0, this.beats > 0 && !dataLost);
    this.beats++;
    this.hooks.beaten(performance.now() - sent);
    for (const id of claimed) {
      if (this.reaping.has(id)) continue;
      this.reaping.add(id);
      this.hooks
        .reap(id)
        .then(
          () => this.client.zrem(this.keys.reaping, id),
          (err: unknown) => this.hooks.failed(err),
        )
        .catch((err: unknown) => this.hooks.failed(err))
        .finally(() => this.reaping.delete(id));
    }
  }

  /** Leaves the registry cleanly. */
  async leave(): Promise<void> {
    this.stop();
    if (this.client.status === 'ready') await this.client.zrem(this.keys.nodes, this.nodeId);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
