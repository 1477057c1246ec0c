/**
 * The adapter of a worker process under `herald start --workers N` without Redis: the primary process
 * holds the shared state (an in-memory adapter) and relays envelopes between workers (ipc-relay.ts).
 * Membership calls are request/reply over the IPC channel; a broadcast is delivered locally at once and
 * sent once to the primary, which forwards it to the other workers.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type {
  Adapter,
  CachedEvent,
  ChannelStats,
  Envelope,
  MemberChange,
  NodeDelivery,
  PresenceMember,
} from './adapter.js';

/** One end of an IPC channel (a worker's `process`, or an in-memory pair in tests). */
export interface IpcPort {
  send(message: IpcMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

export type IpcCallOp =
  | 'subscribe'
  | 'unsubscribe'
  | 'channels'
  | 'channel'
  | 'addMember'
  | 'removeMember'
  | 'members'
  | 'addUserSocket'
  | 'removeUserSocket'
  | 'onlineUsers'
  | 'setCache'
  | 'getCache';

export type IpcMessage =
  | { herald: 'call'; id: number; op: IpcCallOp; args: unknown[] }
  | { herald: 'reply'; id: number; ok: true; value: unknown }
  | { herald: 'reply'; id: number; ok: false; error: string }
  | { herald: 'envelope'; envelope: Envelope }
  | { herald: 'gone'; what: 'member'; appId: string; channel: string; userId: string }
  | { herald: 'gone'; what: 'channel'; appId: string; channel: string }
  | { herald: 'gone'; what: 'count'; appId: string; channel: string; count: number };

export const IPC_ENV = 'HERALD_IPC_WORKER';

export function isIpcWorker(): boolean {
  return cluster.isWorker && process.env[IPC_ENV] === '1';
}

export function processPort(): IpcPort {
  return {
    send: (message) => {
      process.send?.(message);
    },
    onMessage: (listener) => {
      process.on('message', listener);
    },
  };
}

export function isIpcMessage(m: unknown): m is IpcMessage {
  return typeof m === 'object' && m !== null && typeof (m as { herald?: unknown }).herald === 'string';
}

export class IpcAdapter implements Adapter {
  readonly nodeId = randomUUID();
  private delivery: NodeDelivery | null = null;
  private seq = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    private readonly port: IpcPort,
    private readonly logger?: Logger,
  ) {
    port.onMessage((m) => {
      if (isIpcMessage(m)) this.onMessage(m);
    });
  }

  private onMessage(m: IpcMessage): void {
    switch (m.herald) {
      case 'reply': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.error));
        return;
      }
      case 'envelope':
        this.delivery?.deliver(m.envelope);
        return;
      case 'gone':
        if (m.what === 'member') this.delivery?.memberGone?.(m.appId, m.channel, m.userId);
        else if (m.what === 'channel') this.delivery?.channelGone?.(m.appId, m.channel);
        else this.delivery?.countChanged?.(m.appId, m.channel, m.count);
        return;
      default:
        this.logger?.warn({ message: m.herald }, 'unexpected IPC message');
    }
  }

  private call<T>(op: IpcCallOp, args: unknown[]): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.send({ herald: 'call', id, op, args });
    });
  }

  async start(delivery: NodeDelivery): Promise<void> {
    this.delivery = delivery;
  }

  async close(): Promise<void> {
    this.delivery = null;
    for (const p of this.pending.values()) p.reject(new Error('adapter closed'));
    this.pending.clear();
  }

  ready(): boolean {
    return true;
  }

  broadcast(envelope: Envelope): void {
    this.delivery?.deliver(envelope);
    this.port.send({ herald: 'envelope', envelope });
  }

  subscribe(appId: string, channel: string, socketId: string): Promise<number> {
    return this.call('subscribe', [appId, channel, socketId]);
  }
  unsubscribe(appId: string, channel: string, socketId: string): Promise<number> {
    return this.call('unsubscribe', [appId, channel, socketId]);
  }
  channels(appId: string): Promise<Map<string, ChannelStats>> {
    return this.call('channels', [appId]);
  }
  channel(appId: string, channel: string): Promise<ChannelStats> {
    return this.call('channel', [appId, channel]);
  }
  addMember(appId: string, channel: string, socketId: string, member: PresenceMember): Promise<MemberChange> {
    return this.call('addMember', [appId, channel, socketId, member]);
  }
  removeMember(appId: string, channel: string, socketId: string, userId: string): Promise<MemberChange> {
    return this.call('removeMember', [appId, channel, socketId, userId]);
  }
  members(appId: string, channel: string): Promise<Map<string, unknown>> {
    return this.call('members', [appId, channel]);
  }
  addUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    return this.call('addUserSocket', [appId, userId, socketId]);
  }
  removeUserSocket(appId: string, userId: string, socketId: string): Promise<boolean> {
    return this.call('removeUserSocket', [appId, userId, socketId]);
  }
  onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]> {
    return this.call('onlineUsers', [appId, userIds]);
  }
  setCache(appId: string, channel: string, event: string, data: string, ttlSeconds: number): Promise<void> {
    return this.call('setCache', [appId, channel, event, data, ttlSeconds]);
  }
  getCache(appId: string, channel: string): Promise<CachedEvent | null> {
    return this.call('getCache', [appId, channel]);
  }
}
