/**
 * The control role of a worker's IPC adapter: the primary is always there while the worker lives; it
 * hands the worker envelopes from the other workers and, when a worker died, the cleanup news to
 * announce (members, channels and users gone with it).
 */
import { randomUUID } from 'node:crypto';
import type { Control, NodeDelivery } from '../control.js';
import type { IpcMessage } from '../ipc-ops.js';

type Gone = Extract<IpcMessage, { herald: 'gone' }>;

export class IpcControl implements Control {
  readonly nodeId = randomUUID();
  delivery: NodeDelivery | null = null;

  constructor(private readonly closed: () => void) {}

  async start(delivery: NodeDelivery): Promise<void> {
    this.delivery = delivery;
  }

  async close(): Promise<void> {
    this.delivery = null;
    this.closed();
  }

  ready(): boolean {
    return true;
  }

  degraded(): string | null {
    return null;
  }

  /** A worker died: the primary removed what it held and this worker announces it. */
  gone(m: Gone): void {
    const d = this.delivery;
    if (m.what === 'member') d?.memberGone?.(m.appId, m.channel, m.userId, m.version);
    else if (m.what === 'channel') d?.channelGone?.(m.appId, m.channel);
    else if (m.what === 'user') d?.userGone?.(m.appId, m.userId);
    else d?.countChanged?.(m.appId, m.channel, m.count);
  }
}
