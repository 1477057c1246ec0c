/**
 * The membership role of a worker's IPC adapter: every operation of the table (ipc-ops.ts) is a
 * request to the primary, whose relay answers from the shared state; nothing is forwarded by hand.
 */
import { IPC_OPS, type IpcMessage, type IpcOp, type IpcOps, type IpcPort } from '../ipc-ops.js';

type Pending = { resolve(v: unknown): void; reject(e: Error): void };
type Reply = Extract<IpcMessage, { herald: 'reply' }>;

/** Every operation of the table as a method that sends it and awaits the primary's reply. */
function forwarders(call: (op: IpcOp, args: unknown[]) => Promise<unknown>): IpcOps {
  const out: Partial<Record<IpcOp, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const op of IPC_OPS) out[op] = (...args) => call(op, args);
  // Each entry forwards its own arguments and resolves with the primary's answer for that operation.
  return out as unknown as IpcOps;
}

// The class carries the generated operations (assigned in the constructor) under their table types.
export interface IpcMembership extends IpcOps {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged members are assigned in the constructor
export class IpcMembership {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly port: IpcPort) {
    Object.assign(
      this,
      forwarders((op, args) => this.call(op, args)),
    );
  }

  private call(op: IpcOp, args: unknown[]): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.send({ herald: 'call', id, op, args } as IpcMessage);
    });
  }

  /** The primary answered a call. */
  settle(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  }

  /** Calls still waiting fail (the adapter closed). */
  abort(): void {
    for (const p of this.pending.values()) p.reject(new Error('adapter closed'));
    this.pending.clear();
  }
}
