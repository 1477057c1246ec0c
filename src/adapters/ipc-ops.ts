/**
 * The one table of operations a worker's IPC adapter forwards to the primary (`--workers N` without
 * Redis), and the messages of the IPC channel. The worker's methods are generated from `IPC_OPS`
 * (ipc-adapter.ts) and the primary dispatches on the same names (ipc-relay.ts): adding a membership
 * operation to the adapter means adding its name here, nothing else.
 */
import cluster from 'node:cluster';
import type { Sealed } from './envelope.js';
import type { Membership } from './membership.js';

export const IPC_OPS = [
  'subscribe',
  'unsubscribe',
  'channels',
  'channel',
  'addMember',
  'removeMember',
  'members',
  'snapshot',
  'addUserSocket',
  'removeUserSocket',
  'onlineUsers',
  'setCache',
  'getCache',
] as const satisfies readonly (keyof Membership)[];

export type IpcOp = (typeof IPC_OPS)[number];
/** The forwarded role (membership): every operation of the table, with its exact signature. */
export type IpcOps = Pick<Membership, IpcOp>;

/** One request per operation, its arguments typed by the operation. */
export type IpcCall = {
  [K in IpcOp]: { herald: 'call'; id: number; op: K; args: Parameters<IpcOps[K]> };
}[IpcOp];

export type IpcMessage =
  | IpcCall
  | { herald: 'reply'; id: number; ok: true; value: unknown }
  | { herald: 'reply'; id: number; ok: false; error: string }
  | { herald: 'envelope'; envelope: Sealed }
  | { herald: 'gone'; what: 'member'; appId: string; channel: string; userId: string; version: number }
  | { herald: 'gone'; what: 'channel'; appId: string; channel: string }
  | { herald: 'gone'; what: 'user'; appId: string; userId: string }
  | { herald: 'gone'; what: 'count'; appId: string; channel: string; count: number };

/** One end of an IPC channel (a worker's `process`, or an in-memory pair in tests). */
export interface IpcPort {
  send(message: IpcMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

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
