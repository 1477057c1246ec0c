/**
 * The control role of a worker's IPC adapter: the primary is always there while the worker lives; it
 * hands the worker envelopes from the other workers and, when a worker died, the cleanup news to
 * announce (members, channels and users gone with it).
 */
import { randomUUID } from 'node:crypto';
import type { ClusterNews, Control, NodeDelivery } from '../control.js';
import type { IpcMessage } from '../ipc-ops.js';

type Gone = Extract<IpcMessage, { herald: 'gone' }>;

export class IpcControl implements Control {
  readonly nodeId = randomUUID();
  delivery: NodeDelivery | null = null;
  private news: ClusterNews | null = null;

  constructor(private readonly closed: () => void) {}

  async start(delivery: NodeDelivery, news?: ClusterNews): Promise<void> {
    this.delivery = delivery;
    this.news = news ?? null;
  }

  async close(): Promise<void> {
    this.delivery = null;
    this.news = null;
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
    const n = this.news;
    if (m.what === 'member') n?.memberGone(m.appId, m.channel, m.userId, m.version);
    else if (m.what === 'channel') n?.channelGone(m.appId, m.channel);
    else if (m.what === 'user') n?.userGone(m.appId, m.userId);
    else n?.countChanged(m.appId, m.channel, m.count);
  }
}
