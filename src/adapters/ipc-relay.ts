/**
 * The primary's side of `--workers N` without Redis: one in-memory adapter is the cluster's shared
 * state, and envelopes from a worker are forwarded to every other worker. The relay remembers what
 * each worker holds, so a worker that dies leaves like a dead Redis node does: its members and channels
 * are removed, and a surviving worker announces member_removed / channel_vacated once.
 */
import type { Adapter, PresenceMember } from './adapter.js';
import { type IpcMessage, type IpcPort, isIpcMessage } from './ipc-adapter.js';
import { LocalAdapter } from './local-adapter.js';
import { NodeMemberships } from './node-memberships.js';
import { splitPair } from './redis/keys.js';

interface Worker {
  port: IpcPort;
  held: NodeMemberships;
}

export class IpcRelay {
  private readonly state: Adapter = new LocalAdapter();
  private readonly workers = new Map<string, Worker>();

  /** Starts relaying for a worker identified by `id`. */
  attach(id: string, port: IpcPort): void {
    const worker = { port, held: new NodeMemberships() };
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
    this.call(worker.held, m.op, m.args).then(
      (value) => worker.port.send({ herald: 'reply', id: m.id, ok: true, value }),
      (err: unknown) => worker.port.send({ herald: 'reply', id: m.id, ok: false, error: String(err) }),
    );
  }

  private call(held: NodeMemberships, op: string, args: unknown[]): Promise<unknown> {
    const s = this.state;
    const a = args as string[];
    switch (op) {
      case 'subscribe':
        held.subscribe(a[0]!, a[1]!, a[2]!);
        return s.subscribe(a[0]!, a[1]!, a[2]!);
      case 'unsubscribe':
        held.unsubscribe(a[0]!, a[1]!, a[2]!);
        return s.unsubscribe(a[0]!, a[1]!, a[2]!);
      case 'channels':
        return s.channels(a[0]!);
      case 'channel':
        return s.channel(a[0]!, a[1]!);
      case 'addMember': {
        const member = args[3] as PresenceMember;
        held.addMember(a[0]!, a[1]!, a[2]!, member);
        return s.addMember(a[0]!, a[1]!, a[2]!, member);
      }
      case 'removeMember':
        held.removeMember(a[0]!, a[1]!, a[2]!);
        return s.removeMember(a[0]!, a[1]!, a[2]!, a[3]!);
      case 'members':
        return s.members(a[0]!, a[1]!);
      case 'addUserSocket':
        held.addUser(a[0]!, a[1]!, a[2]!);
        return s.addUserSocket(a[0]!, a[1]!, a[2]!);
      case 'removeUserSocket':
        held.removeUser(a[0]!, a[1]!, a[2]!);
        return s.removeUserSocket(a[0]!, a[1]!, a[2]!);
      case 'onlineUsers':
        return s.onlineUsers(a[0]!, args[1] as string[]);
      case 'setCache':
        return s.setCache(a[0]!, a[1]!, a[2]!, a[3]!, args[4] as number);
      case 'getCache':
        return s.getCache(a[0]!, a[1]!);
      default:
        return Promise.reject(new Error(`unknown IPC call ${op}`));
    }
  }

  /** A worker is gone: remove what it held and have a survivor announce the leaves. */
  async detach(id: string): Promise<void> {
    const worker = this.workers.get(id);
    if (!worker) return;
    this.workers.delete(id);
    const survivor = this.workers.values().next().value as Worker | undefined;
    const s = this.state;
    for (const [key, held] of worker.held.channels) {
      const [appId, channel] = splitPair(key);
      let count = -1;
      for (const [socketId, member] of held.sockets) {
        if (member && (await s.removeMember(appId, channel, socketId, member.userId)).changed) {
          survivor?.port.send({ herald: 'gone', what: 'member', appId, channel, userId: member.userId });
        }
        count = await s.unsubscribe(appId, channel, socketId);
        if (count === 0) survivor?.port.send({ herald: 'gone', what: 'channel', appId, channel });
      }
      if (count >= 0) survivor?.port.send({ herald: 'gone', what: 'count', appId, channel, count });
    }
    for (const [key, sockets] of worker.held.users) {
      const [appId, userId] = splitPair(key);
      for (const socketId of sockets) {
        if (await s.removeUserSocket(appId, userId, socketId)) {
          const m: IpcMessage = {
            herald: 'envelope',
            envelope: { kind: 'watchlist', appId, userId, online: false },
          };
          for (const w of this.workers.values()) w.port.send(m);
        }
      }
    }
  }
}
