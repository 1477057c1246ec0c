/**
 * The primary's side of `--workers N` without Redis: one in-memory adapter is the cluster's shared
 * state, and envelopes from a worker are forwarded to every other worker. Calls are dispatched by the
 * table of ipc-ops.ts. The relay remembers what each worker holds, so a worker that dies leaves like a
 * dead Redis node does: its members and channels are removed, and a surviving worker announces
 * member_removed / channel_vacated once.
 */
import { randomUUID } from 'node:crypto';
import { ChannelRegistry } from '../channels/registry.js';
import { Sealer } from './envelope.js';
import {
  type IpcCall,
  type IpcMessage,
  type IpcOp,
  type IpcOps,
  type IpcPort,
  isIpcMessage,
} from './ipc-ops.js';
import { LocalMembership } from './local/membership.js';

interface Worker {
  port: IpcPort;
  held: ChannelRegistry;
}

/** What the relay records of a worker's changes, so it can undo them if the worker dies. */
const RECORD: { [K in IpcOp]?: (held: ChannelRegistry, ...args: Parameters<IpcOps[K]>) => void } = {
  subscribe: (held, appId, channel, socketId) => held.subscribe(appId, channel, socketId),
  unsubscribe: (held, appId, channel, socketId) => held.unsubscribe(appId, channel, socketId),
  addMember: (held, appId, channel, socketId, member) => held.addMember(appId, channel, socketId, member),
  removeMember: (held, appId, channel, socketId, userId) =>
    held.removeMember(appId, channel, socketId, userId),
  addUserSocket: (held, appId, userId, socketId) => held.addUser(appId, userId, socketId),
  removeUserSocket: (held, appId, userId, socketId) => held.removeUser(appId, userId, socketId),
};

/** Runs one call of the table on `target`; the pairing of `op` and `args` is what IpcCall guarantees. */
function dispatch<K extends IpcOp>(
  target: IpcOps,
  call: { op: K; args: Parameters<IpcOps[K]> },
): Promise<unknown> {
  const fn = target[call.op] as (...args: Parameters<IpcOps[K]>) => Promise<unknown>;
  return fn.apply(target, call.args);
}

export class IpcRelay {
  private readonly state = new LocalMembership();
  private readonly workers = new Map<string, Worker>();
  private readonly sealer = new Sealer(`primary-${randomUUID()}`);

  /** Starts relaying for a worker identified by `id`. */
  attach(id: string, port: IpcPort): void {
    const worker = { port, held: new ChannelRegistry() };
    this.workers.set(id, worker);
    port.onMessage((m) => {
      if (isIpcMessage(m) && this.workers.get(id) === worker) this.handle(id, worker, m);
    });
  }

  private handle(id: string, worker: Worker, m: IpcMessage): void {
    if (m.herald === 'envelope') {
      for (const [other, w] of this.workers) if (other !== id) w.port.send(m);
      return;
    }
    if (m.herald !== 'call') return;
    this.call(worker.held, m).then(
      (value) => worker.port.send({ herald: 'reply', id: m.id, ok: true, value }),
      (err: unknown) => worker.port.send({ herald: 'reply', id: m.id, ok: false, error: String(err) }),
    );
  }

  private call(held: ChannelRegistry, m: IpcCall): Promise<unknown> {
    const record = RECORD[m.op] as ((held: ChannelRegistry, ...args: unknown[]) => void) | undefined;
    record?.(held, ...m.args);
    return dispatch(this.state, m);
  }

  /** A worker is gone: remove what it held and have a survivor announce the leaves. */
  async detach(id: string): Promise<void> {
    const worker = this.workers.get(id);
    if (!worker) return;
    this.workers.delete(id);
    const survivor = this.workers.values().next().value as Worker | undefined;
    const s = this.state;
    for (const [appId, channel, held] of [...worker.held.shares()]) {
      for (const [userId, user] of held.users) {
        for (const socketId of user.sockets) {
          const removed = await s.removeMember(appId, channel, socketId, userId);
          if (!removed.changed) continue;
          survivor?.port.send({
            herald: 'gone',
            what: 'member',
            appId,
            channel,
            userId,
            version: removed.version,
          });
        }
      }
      let count = -1;
      for (const socketId of held.sockets) {
        count = await s.unsubscribe(appId, channel, socketId);
        if (count === 0) survivor?.port.send({ herald: 'gone', what: 'channel', appId, channel });
      }
      if (count >= 0) survivor?.port.send({ herald: 'gone', what: 'count', appId, channel, count });
    }
    for (const [appId, userId, sockets] of [...worker.held.users()]) {
      for (const socketId of sockets) {
        if (await s.removeUserSocket(appId, userId, socketId)) {
          // Sealed by the primary itself: an origin of its own, so no worker's order is disturbed.
          const m: IpcMessage = {
            herald: 'envelope',
            envelope: this.sealer.seal({ kind: 'watchlist', appId, userId, online: false }),
          };
          for (const w of this.workers.values()) w.port.send(m);
          survivor?.port.send({ herald: 'gone', what: 'user', appId, userId });
        }
      }
    }
  }
}
