/**
 * The adapter of a worker process under `herald start --workers N` without Redis: the primary process
 * holds the shared state (an in-memory adapter) and relays envelopes between workers (ipc-relay.ts).
 * Membership calls are request/reply over the IPC channel, generated from the table in ipc-ops.ts;
 * a broadcast is sealed, delivered locally at once and sent once to the primary, which forwards it to
 * the other workers.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { Adapter, Envelope, NodeDelivery } from './adapter.js';
import { Sealer } from './envelope.js';
import { IPC_OPS, type IpcMessage, type IpcOp, type IpcOps, type IpcPort, isIpcMessage } from './ipc-ops.js';

export { IPC_ENV, type IpcMessage, type IpcPort, isIpcWorker, processPort } from './ipc-ops.js';

type Pending = { resolve(v: unknown): void; reject(e: Error): void };

/** Every operation of the table as a method that sends it and awaits the primary's reply. */
function forwarders(call: (op: IpcOp, args: unknown[]) => Promise<unknown>): IpcOps {
  const out: Partial<Record<IpcOp, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const op of IPC_OPS) out[op] = (...args) => call(op, args);
  // Each entry forwards its own arguments and resolves with the primary's answer for that operation.
  return out as unknown as IpcOps;
}

// The class carries the generated operations (assigned in the constructor) under their table types.
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged members are assigned in the constructor
export interface IpcAdapter extends IpcOps {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see above
export class IpcAdapter implements Adapter {
  readonly nodeId = randomUUID();
  private readonly sealer = new Sealer(this.nodeId);
  private delivery: NodeDelivery | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly port: IpcPort,
    private readonly logger?: Logger,
  ) {
    Object.assign(
      this,
      forwarders((op, args) => this.call(op, args)),
    );
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
        if (m.what === 'member') this.delivery?.memberGone?.(m.appId, m.channel, m.userId, m.version);
        else if (m.what === 'channel') this.delivery?.channelGone?.(m.appId, m.channel);
        else if (m.what === 'user') this.delivery?.userGone?.(m.appId, m.userId);
        else this.delivery?.countChanged?.(m.appId, m.channel, m.count);
        return;
      default:
        this.logger?.warn({ message: m.herald }, 'unexpected IPC message');
    }
  }

  private call(op: IpcOp, args: unknown[]): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.send({ herald: 'call', id, op, args } as IpcMessage);
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

  publishable(): boolean {
    return true;
  }

  degraded(): string | null {
    return null;
  }

  publish(envelope: Envelope): undefined {
    this.broadcast(envelope);
    return undefined;
  }

  broadcast(envelope: Envelope): void {
    const sealed = this.sealer.seal(envelope);
    this.delivery?.deliver(sealed);
    this.port.send({ herald: 'envelope', envelope: sealed });
  }
}
